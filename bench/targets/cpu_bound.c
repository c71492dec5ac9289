// CPU-bound native target for the overhead bench, timed inside the process. Prints elapsed_ms=N.
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

__attribute__((noinline)) static unsigned long mix(unsigned long x) {
  for (int i = 0; i < 64; i++) x = x * 6364136223846793005UL + 1442695040888963407UL;
  return x;
}

int main(int argc, char **argv) {
  long rounds = argc > 1 ? atol(argv[1]) : 16000000;
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  unsigned long acc = 0;
  for (long i = 0; i < rounds; i++) acc ^= mix((unsigned long)i);
  clock_gettime(CLOCK_MONOTONIC, &b);
  double ms = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
  printf("elapsed_ms=%.3f checksum=%lu\n", ms, acc);
  return 0;
}
