/* darknet_probe: runs one network through libdarknet.so's public API and
 * dumps every layer's output, for tests/test_plugin.cpp. Knows nothing of
 * huge2; the test runs it with and without the plugin preloaded.
 *
 *   darknet_probe CFG WEIGHTS|- INPUT.f32 OUT.dump [--workaround] [--first-weights W] [--train N]
 *                 [--resize W H] [--stage W H N]...
 *
 * --workaround: set groups = 1 on deconvolutional layers before loading the
 *   weights (the stock library otherwise dies with SIGFPE; docs/darknet-compatibility.md).
 * --first-weights W: load W and run a forward pass first (then WEIGHTS is
 *   loaded over it). Not Darknet's initial weights: with batch-norm variances
 *   of 0 they overflow, and the stock GEMM's beta = 0 multiplies the stale
 *   inf in the shared workspace instead of overwriting it, so every later
 *   pass is NaN, with or without huge2.
 * --train N: N iterations of train_network_datum on INPUT.f32 against a
 *   fixed truth (0.5 * sin(i)), printing "loss I VALUE" for each, before the
 *   dump (the cfg needs a cost layer).
 * --resize W H: resize_network(net, W, H) right after parsing (INPUT.f32 then
 *   holds the resized input).
 * --stage W H N (repeatable, in order, after --train): resize_network(net, W,
 *   H) of the trained network, as Darknet's detector trainer does with
 *   random=1, then N training iterations printing "loss S I VALUE" (stage S),
 *   on a fixed input 0.5 * cos(0.1 * i) and the truth above; the final dump
 *   is then of that input at the last stage's size.
 * INPUT.f32: batch x inputs raw floats. OUT.dump: int32 layer count, then per
 * layer int32 count and that many floats (batch x outputs).
 */
#include <darknet.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char* what, const char* file) {
  fprintf(stderr, "darknet_probe: %s %s\n", what, file);
  return 3;
}

int main(int argc, char** argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: %s CFG WEIGHTS|- INPUT.f32 OUT.dump [--workaround] [--first-weights W] [--train N] [--resize W H] [--stage W H N]...\n", argv[0]);
    return 2;
  }
  int workaround = 0;
  char* first = NULL;
  int train = 0, resize_w = 0, resize_h = 0;
  int stages = 0, stage[8][3];
  for (int i = 5; i < argc; ++i) {
    if (!strcmp(argv[i], "--workaround")) workaround = 1;
    else if (!strcmp(argv[i], "--stage") && i + 3 < argc && stages < 8) {
      for (int k = 0; k < 3; ++k) stage[stages][k] = atoi(argv[++i]);
      ++stages;
    }
    else if (!strcmp(argv[i], "--train") && i + 1 < argc) train = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--resize") && i + 2 < argc) resize_w = atoi(argv[++i]), resize_h = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--first-weights") && i + 1 < argc) first = argv[++i];
    else return fail("unknown option", argv[i]);
  }
  network* net = parse_network_cfg(argv[1]);
  if (workaround)
    for (int i = 0; i < net->n; ++i)
      if (net->layers[i].type == DECONVOLUTIONAL && net->layers[i].groups == 0) net->layers[i].groups = 1;

  if (resize_w > 0) resize_network(net, resize_w, resize_h);

  const size_t count = (size_t)net->batch * net->inputs;
  float* x = malloc(sizeof(float) * count);
  FILE* f = fopen(argv[3], "rb");
  if (!f || fread(x, sizeof(float), count, f) != count) return fail("cannot read enough floats from", argv[3]);
  fclose(f);

  if (first) {
    load_weights(net, first);
    network_predict(net, x);
  }
  if (strcmp(argv[2], "-")) load_weights(net, argv[2]);
  for (int it = 0; it < train; ++it) {
    memcpy(net->input, x, sizeof(float) * count);
    for (int i = 0; i < net->truths * net->batch; ++i) net->truth[i] = 0.5f * sinf((float)i);
    printf("loss %d %.9g\n", it, train_network_datum(net));
  }
  for (int s = 0; s < stages; ++s) {
    resize_network(net, stage[s][0], stage[s][1]);
    const size_t n = (size_t)net->batch * net->inputs;
    x = realloc(x, sizeof(float) * n);
    for (size_t i = 0; i < n; ++i) x[i] = 0.5f * cosf(0.1f * (float)i);
    for (int it = 0; it < stage[s][2]; ++it) {
      memcpy(net->input, x, sizeof(float) * n);
      for (int i = 0; i < net->truths * net->batch; ++i) net->truth[i] = 0.5f * sinf((float)i);
      printf("loss %d %d %.9g\n", s, it, train_network_datum(net));
    }
  }
  network_predict(net, x);

  f = fopen(argv[4], "wb");
  if (!f) return fail("cannot write", argv[4]);
  int32_t n = net->n;
  fwrite(&n, sizeof n, 1, f);
  for (int i = 0; i < net->n; ++i) {
    int32_t c = net->layers[i].outputs * net->layers[i].batch;
    fwrite(&c, sizeof c, 1, f);
    fwrite(net->layers[i].output, sizeof(float), (size_t)c, f);
  }
  fclose(f);
  free(x);
  free_network(net);
  return 0;
}
