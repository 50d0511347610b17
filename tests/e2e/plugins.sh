#!/usr/bin/env bash
# plugins.sh: the plugin loader end to end: one bad plugin per failure case,
# each with its exact message and exit status; listing, inspect, the search
# path, and the plugin author's one-line build.
set -uo pipefail
BUILD=${LT_BUILD:-build}
H=$BUILD/bin/lighter-host
P=$BUILD/tests/plugins
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
work=$(mktemp -d)
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT
chmod 755 "$work"
# this host's plugin ABI (major.minor) and the next minor, as the messages give them
abi=$("$H" --version | sed -n 's/.*plugin ABI \([0-9]*\.[0-9]*\).*/\1/p')
next_minor="${abi%%.*}.$(( ${abi#*.} + 1 ))"

# case NAME WANT_RC EXACT_LINE PLUGIN_FILES...: a folder with just those plugins.
case_dir() {
  local name=$1 want=$2 line=$3; shift 3
  local d="$work/$name"
  mkdir -p "$d" && chmod 755 "$d"
  for f in "$@"; do cp "$f" "$d/"; done
  line=${line//@D@/$d}
  local out rc
  out=$(env -u LIGHTER_PLUGIN_PATH "$H" plugins --plugins "$d" 2>&1); rc=$?
  if [ "$rc" != "$want" ]; then bad "$name: exit $rc, expected $want: $out"; return; fi
  if [ -n "$line" ] && ! grep -qxF -- "$line" <<<"$out"; then bad "$name: no line '$line' in: $out"; return; fi
  ok
}

case_dir wrong-major 3 "lighter-host: plugin @D@/bad_major.so was built for plugin ABI 2.0, but this host has $abi: rebuild it against this SDK" "$P/bad_major.so"
case_dir newer-minor 3 "lighter-host: plugin @D@/bad_minor_newer.so needs plugin ABI $next_minor, newer than this host's $abi: update lighter-host" "$P/bad_minor_newer.so"
case_dir older-minor 0 "  test.Older                               module     built for ABI 1.0" "$P/ok_minor_older.so"
case_dir not-a-plugin 3 "lighter-host: @D@/no_descriptor.so is not a lighter plugin: it has no lt_plugin_descriptor symbol (define one with LT_PLUGIN_DEFINE)" "$P/no_descriptor.so"
case_dir missing-symbol 3 "lighter-host: cannot open plugin @D@/undefined_symbol.so: @D@/undefined_symbol.so: undefined symbol: lt_test_function_nobody_defines" "$P/undefined_symbol.so"
case_dir init-fails 3 "lighter-host: plugin @D@/init_fails.so failed to initialise: license key not found in ~/.testplugin" "$P/init_fails.so"
case_dir incomplete 3 "lighter-host: plugin @D@/incomplete.so: incomplete descriptor: component test.Incomplete has no create function" "$P/incomplete.so"
case_dir dup-target 3 "lighter-host: plugin @D@/dup_target.so lists _target_ test.Twice twice (components 0 and 1): each component of a plugin needs its own _target_ name; rename or remove one" "$P/dup_target.so"
case_dir bad-default 3 "lighter-host: plugin @D@/bad_default.so: component test.BadDefault: the default '0.5' of parameter 'steps' (int) is wrong: parameter 'steps' of test.BadDefault must be an integer, not a float; fix it in the plugin's parameter table (lt_param.dflt is YAML text, \"null\" for none)" "$P/bad_default.so"
case_dir bad-default-yaml 3 "lighter-host: plugin @D@/bad_default_yaml.so: component test.BadYamlDefault: the default '[3, 3' of parameter 'shape' (list) is wrong: YAML syntax error: did not find expected ',' or ']' while parsing a flow sequence; fix it in the plugin's parameter table (lt_param.dflt is YAML text, \"null\" for none)" "$P/bad_default_yaml.so"
mkdir -p "$work/dup" && chmod 755 "$work/dup" && cp "$P/good.so" "$work/dup/a_good.so" && cp "$P/dup_scale.so" "$work/dup/b_dup.so"
out=$("$H" plugins --plugins "$work/dup" 2>&1); rc=$?
if [ $rc -eq 0 ] && grep -qxF "lighter-host: warning: _target_ test.Scale is provided by both $work/dup/a_good.so and $work/dup/b_dup.so; using $work/dup/a_good.so (the earlier path)" <<<"$out" \
   && grep -q "test.Other" <<<"$out"; then ok; else bad "duplicate: rc=$rc: $out"; fi
mkdir -p "$work/text" && chmod 755 "$work/text" && printf 'These are notes, not a shared object; they are long enough to have an ELF header.\n' > "$work/text/notes.so"
out=$("$H" plugins --plugins "$work/text" 2>&1); rc=$?
if [ $rc -eq 3 ] && grep -qF "lighter-host: cannot open plugin $work/text/notes.so: $work/text/notes.so: invalid ELF header" <<<"$out"; then ok; else bad "text .so: rc=$rc: $out"; fi
mkdir -p "$work/ww" && chmod 755 "$work/ww" && cp "$P/good.so" "$work/ww/" && chmod o+w "$work/ww/good.so"
out=$("$H" plugins --plugins "$work/ww" 2>&1); rc=$?
if [ $rc -eq 3 ] && grep -qxF "lighter-host: refusing plugin $work/ww/good.so: it is world-writable, so anyone could replace it (fix: chmod o-w $work/ww/good.so)" <<<"$out"; then ok; else bad "world-writable file: rc=$rc: $out"; fi
chmod o-w "$work/ww/good.so" && chmod o+w "$work/ww"
out=$("$H" plugins --plugins "$work/ww" 2>&1); rc=$?
if [ $rc -eq 3 ] && grep -qF "refusing plugin folder $work/ww: it is world-writable" <<<"$out"; then ok; else bad "world-writable dir: rc=$rc: $out"; fi
chmod o-w "$work/ww"
# Every folder on the way to a plugin counts, symlinks followed (StrictModes):
# a plugin under a folder anyone can write, or a safe folder's symlink to
# one, is refused naming that folder; a sticky folder like /tmp is not.
mkdir -p "$work/open/sub" "$work/links" "$work/sticky/sub" && chmod 755 "$work/open/sub" "$work/links" "$work/sticky/sub"
chmod 777 "$work/open" && chmod 1777 "$work/sticky"
cp "$P/good.so" "$work/open/sub/" && cp "$P/good.so" "$work/sticky/sub/" && ln -s ../open/sub/good.so "$work/links/good.so"
why="the folder $work/open on the way to it is writable by anyone (mode 777, no sticky bit), so anyone could put another file in its place (fix: chmod o-w $work/open, or keep plugins under folders only you can write)"
out=$("$H" plugins --plugins "$work/open/sub" 2>&1); rc=$?
if [ $rc -eq 3 ] && grep -qxF "lighter-host: refusing plugin $work/open/sub/good.so: $why" <<<"$out"; then ok; else bad "world-writable parent: rc=$rc: $out"; fi
out=$("$H" plugins --plugins "$work/links" 2>&1); rc=$?
if [ $rc -eq 3 ] && grep -qxF "lighter-host: refusing plugin $work/links/good.so (a symlink to $work/open/sub/good.so): $why" <<<"$out"; then ok
else bad "symlink into a world-writable folder: rc=$rc: $out"; fi
out=$("$H" plugins --plugins "$work/sticky/sub" 2>&1); rc=$?
if [ $rc -eq 0 ] && grep -qF "test-good 1.2.3 ($work/sticky/sub/good.so)" <<<"$out"; then ok; else bad "sticky parent: rc=$rc: $out"; fi
chmod 755 "$work/open" "$work/sticky"
mkdir -p "$work/crash" && chmod 755 "$work/crash" && cp "$P/crash_init.so" "$work/crash/"
out=$("$H" plugins --plugins "$work/crash" 2>&1); rc=$?
if [ $rc -ne 0 ] && grep -qF "lighter-host: crashed with SIGSEGV (invalid memory access) in plugin $work/crash/crash_init.so, during init." <<<"$out"; then ok; else bad "crash context: rc=$rc: $out"; fi

# an ELF constructor that crashes inside dlopen (it was "in lighter-host itself")
mkdir -p "$work/ctor" && chmod 755 "$work/ctor" && cp "$P/crash_ctor.so" "$work/ctor/"
out=$("$H" plugins --plugins "$work/ctor" 2>&1); rc=$?
if [ $rc -eq 139 ] && grep -qF "lighter-host: crashed with SIGSEGV (invalid memory access) in plugin $work/ctor/crash_ctor.so, during loading (its ELF constructors)." <<<"$out"; then ok; else bad "crash in a constructor: rc=$rc: $out"; fi

# A --plugins folder that is not there (a typo) is an error, never ignored.
out=$("$H" plugins --plugins "$work/no-such-dir" 2>&1); rc=$?
if [ $rc -eq 3 ] && grep -qxF "lighter-host: --plugins $work/no-such-dir: no such folder" <<<"$out"; then ok; else bad "missing --plugins: rc=$rc: $out"; fi
out=$("$H" fit configs/fashion_mnist_mlp.yaml --plugins "$work/text/notes.so" 2>&1); rc=$?
if [ $rc -eq 3 ] && grep -qF "lighter-host: --plugins $work/text/notes.so: Not a directory" <<<"$out"; then ok; else bad "file as --plugins: rc=$rc: $out"; fi

# Listing and inspect, from --plugins and from LIGHTER_PLUGIN_PATH.
out=$(LIGHTER_PLUGIN_PATH="$work/older-minor:$work/dup" "$H" plugins 2>&1); rc=$?
if [ $rc -eq 0 ] && grep -qF "test-good 1.2.3 ($work/dup/a_good.so): components for the loader tests" <<<"$out" && grep -q test.Older <<<"$out"; then ok; else bad "LIGHTER_PLUGIN_PATH: $out"; fi
out=$("$H" inspect test.Scale --plugins "$work/dup" 2>/dev/null); rc=$?
if [ $rc -eq 0 ] && grep -qF "  factor               float      default 1.0, >= 0, <= 100" <<<"$out" \
   && grep -qF "  name                 string     required" <<<"$out" \
   && grep -qF "  mode                 string     default mean, one of mean|sum|none" <<<"$out"; then ok; else bad "inspect: $out"; fi
out=$("$H" inspect test.Scal --plugins "$work/dup" 2>&1); rc=$?
if [ $rc -eq 2 ] && grep -qF "no component named 'test.Scal'; did you mean 'test.Scale'?" <<<"$out"; then ok; else bad "inspect unknown: $rc $out"; fi

# The author's workflow: a plugin built with one cc line against the SDK
# (pkg-config from the build tree), found through LIGHTER_PLUGIN_PATH.
mkdir -p "$work/user" && chmod 755 "$work/user"
flags=$(PKG_CONFIG_PATH=$BUILD/pkgconfig pkg-config --cflags --libs lighter)
# shellcheck disable=SC2086
if cc -shared -fPIC tests/plugins/good.c $flags -o "$work/user/mine.so"; then ok; else bad "user build"; fi
out=$(LIGHTER_PLUGIN_PATH="$work/user" "$H" inspect test.Nothing 2>&1); rc=$?
if [ $rc -eq 0 ] && grep -qF "provided by test-good 1.2.3 ($work/user/mine.so)" <<<"$out"; then ok; else bad "user plugin: $out"; fi

# make install, then the installed host, SDK and pkg-config, as a user has them.
inst="$work/inst"
if make -s install PREFIX="$inst" BUILD="$BUILD" >/dev/null 2>&1; then ok; else bad "make install"; fi
out=$("$inst/bin/lighter-host" inspect torch.nn.Conv2d 2>&1); rc=$?
if [ $rc -eq 0 ] && grep -qF "provided by torch.nn.Conv2d" <<<"$out" && grep -qF "$inst/lib/lighter/plugins/core_conv2d.so" <<<"$out" \
   && grep -qF "  kernel_size          any        required" <<<"$out"; then ok; else bad "installed inspect: $out"; fi
# Every built-in component, with its parameters, from one command.
out=$("$inst/bin/lighter-host" inspect --all 2>&1); rc=$?
missing=""
for t in Linear Bilinear Conv1d Conv2d ConvTranspose2d BatchNorm1d BatchNorm2d LayerNorm GroupNorm Dropout Dropout2d \
         Embedding Flatten Unflatten Identity MaxPool2d AvgPool2d AdaptiveAvgPool2d ReLU LeakyReLU GELU SiLU Sigmoid \
         Tanh Softmax LogSoftmax Sequential ModuleList ModuleDict CrossEntropyLoss NLLLoss MSELoss L1Loss SmoothL1Loss \
         HuberLoss BCELoss BCEWithLogitsLoss KLDivLoss; do
  grep -qx "torch.nn.$t ([a-z]*)" <<<"$out" || missing="$missing torch.nn.$t"
done
for t in optim.SGD optim.Adam optim.AdamW optim.RMSprop optim.Adagrad optim.lr_scheduler.StepLR \
         optim.lr_scheduler.MultiStepLR optim.lr_scheduler.ExponentialLR optim.lr_scheduler.CosineAnnealingLR \
         optim.lr_scheduler.LinearLR optim.lr_scheduler.ConstantLR optim.lr_scheduler.OneCycleLR \
         optim.lr_scheduler.SequentialLR optim.lr_scheduler.ReduceLROnPlateau; do
  grep -qx "torch.$t ([a-z]*)" <<<"$out" || missing="$missing torch.$t"
done
for t in Accuracy Precision Recall F1Score AUROC ConfusionMatrix MeanSquaredError MeanAbsoluteError R2Score \
         MeanMetric MetricCollection; do
  grep -qx "torchmetrics.$t (metric)" <<<"$out" || missing="$missing torchmetrics.$t"
done
grep -qx "torchvision.models.resnet.BasicBlock (module)" <<<"$out" || missing="$missing BasicBlock"
if [ $rc -eq 0 ] && [ -z "$missing" ] && grep -qF "  num_labels           int        default null, >= 1, may be null" <<<"$out"; then ok
else bad "inspect --all: rc $rc, missing:$missing"; fi
mkdir -p "$work/mine" && chmod 755 "$work/mine"
cp plugins/examples/spirals.c "$work/mine/"
# The README's one line, against the installed SDK.
if (cd "$work/mine" && PKG_CONFIG_PATH="$inst/lib/pkgconfig" sh -c 'cc -shared -fPIC spirals.c $(pkg-config --cflags --libs lighter) -o spirals.so -lm'); then ok; else bad "README one-line build"; fi
out=$(LIGHTER_PLUGIN_PATH="$work/mine" "$inst/bin/lighter-host" inspect examples.Spirals 2>&1); rc=$?
if [ $rc -eq 0 ] && grep -qF "provided by examples-spirals 1.0.0 ($work/mine/spirals.so)" <<<"$out"; then ok; else bad "user plugin via LIGHTER_PLUGIN_PATH: $out"; fi
out=$("$inst/bin/lighter-host" info 2>&1); rc=$?
if [ $rc -eq 0 ] && grep -q "libtorch" <<<"$out"; then ok; else bad "installed info: $out"; fi

# A plugin built against the frozen SDK 1.4 headers (tests/abi: arguments by
# position, no host services) loads under this host and trains exactly as the
# 1.5 example it was (same initialisation, same metrics.csv).
mkdir -p "$work/abi" && chmod 755 "$work/abi" && cp "$BUILD/tests/abi/mlp_abi14.so" "$BUILD/examples/spirals.so" "$work/abi/"
A=(fit configs/examples/spirals.yaml =trainer::max_epochs=1)
if "$H" "${A[@]}" --plugins "$work/abi" =model::network::_target_=abi14.MLP "trainer::default_root_dir=$work/abi/old" >/dev/null 2>&1 \
   && "$H" "${A[@]}" --plugins "$BUILD/examples" "trainer::default_root_dir=$work/abi/new" >/dev/null 2>&1 \
   && cmp -s <(cut -d, -f3- "$work/abi/old/lightning_logs/version_0/metrics.csv") <(cut -d, -f3- "$work/abi/new/lightning_logs/version_0/metrics.csv"); then ok
else bad "a 1.4 plugin does not train as its 1.5 rewrite"; fi

echo "plugins: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
