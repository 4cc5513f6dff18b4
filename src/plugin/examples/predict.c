/* predict: an ordinary Darknet application, written against darknet.h only.
 *
 * It loads a network (load_network), feeds it one deterministic input (a
 * latent vector for a DCGAN generator, any image-shaped input otherwise), and
 * times network_predict. It knows nothing of huge2: run it with
 *   LD_PRELOAD=libhuge2_darknet.so predict CFG WEIGHTS ...
 * to get huge2's layers, and without to get stock Darknet.
 *
 *   predict CFG WEIGHTS [--repeats N] [--seed S] [--save FILE] [--compare FILE]
 *
 * --save writes the output as raw float32; --compare reads such a file and
 * prints the largest absolute difference from it.
 */
#include <darknet.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int by_value(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

/* Standard normal values from a 64-bit LCG and Box-Muller, in double; the
 * Python example computes the same numbers. */
static void fill_normal(float* x, int n, uint64_t seed) {
  uint64_t s = seed * 2862933555777941757ULL + 3037000493ULL;
  for (int i = 0; i < n; i += 2) {
    double u[2];
    for (int k = 0; k < 2; ++k) {
      s = s * 6364136223846793005ULL + 1442695040888963407ULL;
      u[k] = ((s >> 11) + 0.5) / 9007199254740992.0; /* (0, 1) */
    }
    double r = sqrt(-2.0 * log(u[0])), t = 6.283185307179586 * u[1];
    x[i] = (float)(r * cos(t));
    if (i + 1 < n) x[i + 1] = (float)(r * sin(t));
  }
}

static int usage(const char* me) {
  fprintf(stderr, "usage: %s CFG WEIGHTS [--repeats N] [--seed S] [--save FILE] [--compare FILE]\n", me);
  return 2;
}

int main(int argc, char** argv) {
  if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
    usage(argv[0]);
    return 0;
  }
  if (argc < 3) return usage(argv[0]);
  int repeats = 10;
  unsigned long seed = 1;
  const char *save = NULL, *compare = NULL;
  for (int i = 3; i < argc; ++i) {
    if (i + 1 >= argc) return usage(argv[0]);
    if (!strcmp(argv[i], "--repeats")) repeats = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--seed")) seed = strtoul(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--save")) save = argv[++i];
    else if (!strcmp(argv[i], "--compare")) compare = argv[++i];
    else return usage(argv[0]);
  }
  if (repeats < 1) repeats = 1;

  network* net = load_network(argv[1], argv[2], 0);
  set_batch_network(net, 1);
  const int inputs = net->inputs, outputs = net->outputs;
  float* x = malloc(sizeof(float) * inputs);
  fill_normal(x, inputs, seed);

  network_predict(net, x); /* warm-up: first-touch pages, thread pools */
  double* ms = malloc(sizeof(double) * repeats);
  float* y = NULL;
  for (int r = 0; r < repeats; ++r) {
    double t0 = now_ms();
    y = network_predict(net, x);
    ms[r] = now_ms() - t0;
  }
  qsort(ms, repeats, sizeof(double), by_value);
  printf("%s: %d inputs -> %d outputs, network_predict median %.3f ms (min %.3f) over %d runs\n", argv[1], inputs,
         outputs, ms[repeats / 2], ms[0], repeats);

  int status = 0;
  if (save) {
    FILE* f = fopen(save, "wb");
    if (!f || fwrite(y, sizeof(float), outputs, f) != (size_t)outputs) {
      fprintf(stderr, "predict: cannot write %s\n", save);
      status = 1;
    }
    if (f) fclose(f);
    if (!status) printf("wrote %s\n", save);
  }
  if (compare) {
    float* ref = malloc(sizeof(float) * outputs);
    FILE* f = fopen(compare, "rb");
    size_t got = f ? fread(ref, sizeof(float), outputs, f) : 0;
    if (f && fgetc(f) != EOF) got = 0; /* longer: another network's output */
    if (f) fclose(f);
    if (got != (size_t)outputs) {
      fprintf(stderr, "predict: %s does not hold %d floats\n", compare, outputs);
      status = 1;
    } else {
      double worst = 0, sum = 0;
      for (int i = 0; i < outputs; ++i) {
        double d = fabs((double)y[i] - ref[i]);
        if (d != d) d = INFINITY; /* NaN: as bad as it gets */
        if (d > worst) worst = d;
        sum += d;
      }
      printf("max |difference| vs %s: %.3g (mean %.3g)\n", compare, worst, sum / outputs);
    }
    free(ref);
  }
  free(ms);
  free(x);
  free_network(net);
  return status;
}
