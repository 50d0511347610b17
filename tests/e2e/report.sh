#!/usr/bin/env bash
# report.sh: `lighter-host report` on a real two-run sweep, rendered by
# headless Chromium. A sweep (--multirun, -j 2) of two tiny fits with
# different model::optimizer::lr (trial k's folder <sweep>/k, the sweep's
# sweep.csv); the page must be
# self-contained (nothing fetched), name both runs in its sweep and runs
# tables, and once Chromium ran its script the first chart must say it drew
# one line per run (data-lines, read from --dump-dom) and the screenshot
# must show them: pixels of each run's colour inside that chart's plot
# area; a pointer moved over that chart must bring up the readout with the
# step and both runs' values, and switching a run off in the legend must
# leave one line. The page and the screenshot stay in $BUILD/report/ for a person to
# look at. Without Chromium (scripts/setup installs it) this says
# "skipped: no chromium".
set -uo pipefail
BUILD=${LT_BUILD:-build}
ROOT=$(pwd)
H=$ROOT/$BUILD/bin/lighter-host
PY=${PYTHON:-/usr/bin/python3}
OUT=$ROOT/$BUILD/report
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
C=$ROOT/tests/e2e/tiny_fit.yaml
S=$work/sweep
"$H" fit "$C" --multirun model::optimizer::lr=0.02,0.5 =trainer::max_epochs=4 --sweep_dir "$S" -j 2 >sweep.log 2>&1 \
  || bad "the sweep: $(tail -5 sweep.log)"
mkdir -p "$OUT"
rm -f "$OUT/report.html" "$OUT/report.png"
"$H" report "$S" -o "$OUT/report.html" >report.log 2>&1 && ok || bad "report: $(cat report.log)"
P=$OUT/report.html
[ -s "$P" ] || { bad "no page written"; echo "report.sh: $pass passed, $fail failed"; exit 1; }
# self-contained: no link, no import, nothing from the network
if grep -qiE '<link|@import|url\(|src=|https?://' <(sed 's|http://www.w3.org/2000/svg||g' "$P"); then
  bad "the page reaches outside itself: $(grep -oiE '<link[^>]*|@import[^;]*|url\([^)]*|src=[^ >]*|https?://[^" ]*' "$P" | head -3)"
else ok; fi
grep -q '<th>model::optimizer::lr</th>' "$P" && grep -q '<tr class="best">' "$P" && ok || bad "the sweep table with its best trial"
grep -q '<td><span class="swatch" style="background:#ff7f0e"></span>1/lightning_logs/version_0</td>' "$P" && ok \
  || bad "the runs table names the second run in its colour"

CHROME=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROME" ]; then
  echo "report.sh: $pass passed, $fail failed; skipped: no chromium (scripts/setup installs it)"
  [ $fail = 0 ]
  exit
fi
# A profile, home and caches of its own; never more than a minute.
export HOME=$work/home XDG_CONFIG_HOME=$work/home/.config XDG_CACHE_HOME=$work/home/.cache
mkdir -p "$HOME"
chrome() { # chrome PAGE ARGS...
  local page=$1
  shift
  timeout -k 5 60 "$CHROME" --headless --disable-gpu --no-sandbox --no-first-run --no-default-browser-check \
    --disable-extensions --disable-dev-shm-usage --user-data-dir="$work/profile" --hide-scrollbars \
    --force-device-scale-factor=1 --window-size=1400,1000 "$@" "file://$page" 2>>chrome.log
}
chrome "$P" --dump-dom > dom.html || bad "chromium --dump-dom failed ($?): $(tail -3 chrome.log)"
chrome "$P" --screenshot="$OUT/report.png" >/dev/null || bad "chromium --screenshot failed ($?): $(tail -3 chrome.log)"
# The readout and the legend: a copy of the page moves the pointer over the
# first chart, then switches the first run off, and says what it saw.
cat "$P" - > hover.html <<'JS'
<script>
var g = document.querySelector(".chart svg"), r = g.getBoundingClientRect();
g.dispatchEvent(new MouseEvent("mousemove", {clientX: r.left + 200, clientY: r.top + 100, bubbles: true}));
var tip = document.querySelector(".chart .tip"), rows = [];
tip.querySelectorAll("div").forEach(function (d) { rows.push(d.textContent); });
document.querySelector("#legend input").click();
document.body.setAttribute("data-test", tip.style.display + "|" + rows.join("|") + "|lines after: " +
  document.querySelector(".chart").getAttribute("data-lines"));
</script>
JS
chrome "$work/hover.html" --dump-dom > hover.dom || bad "chromium on the hover page failed: $(tail -3 chrome.log)"
grep -qE 'data-test="block\|step [0-9]+\|0/lightning_logs/version_0: [0-9.e-]+\|1/lightning_logs/version_0: [0-9.e-]+\|lines after: 1"' hover.dom \
  && ok || bad "the readout and the legend: $(grep -o 'data-test="[^"]*"' hover.dom)"
# What the page drew (its script's own account) and what the screenshot shows.
"$PY" - "$P" dom.html "$OUT/report.png" <<'PY' && ok || bad "the rendered report (above)"
import json, re, struct, sys, zlib
page, dom, png = (open(sys.argv[1]).read(), open(sys.argv[2]).read(), open(sys.argv[3], "rb").read())
data = json.loads(re.search(r'id="report-data">(.*?)</script>', page, re.S).group(1))
colors = [r["color"] for r in data["runs"]]
assert len(colors) == 2, data["runs"]
charts = re.findall(r'<div class="chart" data-key="([^"]*)" data-lines="(\d+)" data-plot="([\d,]+)"', dom)
assert charts, "no chart in the DOM after the script ran"
key, lines, plot = charts[0]
assert key == "train/loss/step" and lines == "2", f"first chart {key} drew {lines} lines"
assert len(charts) >= 4, f"only {len(charts)} charts"

def decode(b):  # an 8-bit RGB or RGBA PNG, not interlaced
    assert b[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    while pos < len(b):
        n, kind = struct.unpack(">I4s", b[pos:pos + 8])
        body = b[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, lace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and ctype in (2, 6) and not lace, (depth, ctype, lace)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    bpp, raw, rows, prev = (4 if ctype == 6 else 3), zlib.decompress(idat), [], None
    stride = w * bpp
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        up = prev or bytearray(stride)
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            c = up[i - bpp] if i >= bpp else 0
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + up[i]) & 255
            elif f == 3: line[i] = (line[i] + (a + up[i]) // 2) & 255
            elif f == 4:
                p = a + up[i] - c
                pa, pb, pc = abs(p - a), abs(p - up[i]), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else up[i] if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return w, h, bpp, rows

w, h, bpp, rows = decode(png)
px = lambda x, y: tuple(rows[y][x * bpp:x * bpp + 3])
inked = sum(1 for y in range(0, h, 2) for x in range(0, w, 2) if px(x, y) != (255, 255, 255))
assert inked > 2000, f"a blank screenshot ({inked} non-white pixels of {w * h // 4} sampled)"
x0, y0, pw, ph = map(int, plot.split(","))
assert x0 + pw <= w and y0 + ph <= h, f"the first chart {plot} is outside the {w}x{h} screenshot"
for color in colors:
    want = tuple(int(color[i:i + 2], 16) for i in (1, 3, 5))
    n = sum(1 for y in range(y0, y0 + ph) for x in range(x0, x0 + pw)
            if sum(abs(p - q) for p, q in zip(px(x, y), want)) < 40)
    print(f"report.sh: {n} pixels of {color} in the first chart ({key})")
    assert n > 150, f"run colour {color}: {n} pixels in the first chart"
PY
echo "report.sh: $pass passed, $fail failed (page and screenshot: $OUT)"
[ $fail = 0 ]
