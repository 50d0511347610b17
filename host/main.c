/* main.c: the lighter-host executable's entry point. The host links no
 * libtorch: it finds liblighter (the tensor layer) next to itself and
 * dlopens it only for commands that need tensors, then reaches it through
 * the lt_api table, exactly as plugins do. */
#include "cmd.h"
#include "plugin.h"
#include "tensor_layer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f) {
  fprintf(f,
          "usage: lighter-host COMMAND [ARGS]\n"
          "\n"
          "commands:\n"
          "  version     print the host, SDK and ABI versions\n"
          "  info        load the tensor layer and print libtorch, BLAS and thread settings\n"
          "  plugins     list the plugins found and their components ([--plugins DIR]...)\n"
          "  inspect     print a component's parameters (inspect NAME [--plugins DIR]...)\n"
          "  config      compose config files and overrides and print the result\n"
          "              (config [--resolved] CONFIG.yaml... [a::b=value | =a::b=value | ~a::b])\n"
          "  fit         train (and validate) a model: fit CONFIG.yaml... [overrides] [options]\n"
          "  validate    run the validation loop once\n"
          "  test        run the test loop and print the results\n"
          "  predict     run the predict loop (--return_predictions saves them)\n"
          "  runs        list the runs below a folder; runs show V, runs diff A B (runs --help)\n"
          "  report      the runs below a folder as one HTML page of charts and tables (report DIR [-o FILE])\n"
          "  help        this text\n"
          "\n"
          "options of fit/validate/test/predict (anywhere on the line):\n"
          "  --ckpt_path last|best|PATH   start from a checkpoint (fit resumes; the others load the weights)\n"
          "  --weights_only               Lightning's: load without running code (always so here; fit still resumes)\n"
          "  --init_weights PATH          fit: a new run (epoch 0, a fresh optimizer) from the network's weights in PATH\n"
          "  --return_predictions         predict: save the predictions (predictions.pt in the run folder)\n"
          "  --verbose[=false]            validate/test: print the results table (Lightning's verbose; default true)\n"
          "  --plugins DIR                look for plugins in DIR too (repeatable)\n"
          "  --multirun (-m) key=a,b ...  a sweep: every combination, -j N at once (fit --multirun --help)\n"
          "exit status: 0 ok, 1 failure while running, 2 usage or config error, 3 plugin load error,\n"
          "130 interrupted\n");
}

int main(int argc, char **argv) {
  host_argv = argv;
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
    usage(stdout);
    return 0;
  }
  if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
    printf("lighter-host %s (plugin ABI %d.%d)\n", LT_VERSION_STRING, LT_ABI_MAJOR, LT_ABI_MINOR);
    return 0;
  }
  host_crash_handlers_install();
  if (!strcmp(cmd, "config")) return host_cmd_config(argc - 2, argv + 2);
  if (!strcmp(cmd, "plugins")) return host_cmd_plugins(argc - 2, argv + 2);
  if (!strcmp(cmd, "inspect")) return host_cmd_inspect(argc - 2, argv + 2);
  if (!strcmp(cmd, "runs")) return host_cmd_runs(argc - 2, argv + 2);
  if (!strcmp(cmd, "report")) return host_cmd_report(argc - 2, argv + 2);
  if (!strcmp(cmd, "fit") || !strcmp(cmd, "validate") || !strcmp(cmd, "test") || !strcmp(cmd, "predict")) {
    if (host_sweep_requested(argc - 2, argv + 2)) return host_cmd_sweep(cmd, argc - 2, argv + 2);
    int rc = host_cmd_run(cmd, argc - 2, argv + 2);
    /* Everything is freed by now: with LIGHTER_CHECK_HANDLES set (make
     * check-valgrind, the soak test) a tensor handle still alive is a leak
     * and fails the run. */
    const char *check = getenv("LIGHTER_CHECK_HANDLES");
    const lt_api *api = host_tensor_layer_loaded();
    if (check && *check && strcmp(check, "0") && api) {
      long long live = (long long)api->lt_live_tensors();
      fprintf(stderr, "lighter-host: %lld tensor handles alive at exit\n", live);
      if (live && !rc) rc = 1;
    }
    return rc;
  }
  if (!strcmp(cmd, "info")) {
    char err[1024];
    const lt_api *api = host_tensor_layer_load(err, sizeof err);
    if (!api) {
      fprintf(stderr, "lighter-host: %s\n", err);
      return 1;
    }
    printf("%s\n", api->lt_runtime_info());
    printf("CUDA devices: %d\n", api->lt_cuda_device_count());
    return 0;
  }
  fprintf(stderr, "lighter-host: unknown command '%s'\n", cmd);
  usage(stderr);
  return 2;
}
