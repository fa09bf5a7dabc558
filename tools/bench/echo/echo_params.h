/* The echo benchmark's workload (issue 8), shared by the C and C++ peers:
 * one process, one thread, one loop; a server on 127.0.0.1 and
 * `connections` client connections, each doing `round_trips` round trips of
 * `payload` bytes (send, then wait until the whole payload is echoed back),
 * TCP_NODELAY on every socket. The clock starts when every client is
 * connected and stops when the last client has its last reply; the result
 * is total round trips per wall-clock second, printed as one line:
 *
 *   <implementation> <style> round_trips_per_s: <N>
 *
 * Flags (defaults are the issue's): --connections=32 --round_trips=5000
 * --payload=64. tools/bench/echo/run_all.sh runs every peer side by side.
 * Plain C so that the libuv peer (C) and the C++ peers include it alike. */

#ifndef SEEDLOOP_TOOLS_BENCH_ECHO_ECHO_PARAMS_H_
#define SEEDLOOP_TOOLS_BENCH_ECHO_ECHO_PARAMS_H_

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
  int connections;
  int round_trips;
  int payload;
} EchoParams;

/* The payload's upper bound: every peer reads into a buffer this big. */
#define ECHO_MAX_PAYLOAD 65536

/* Parses the flags above; exits with status 2 and a message on anything else. */
static inline EchoParams echo_parse_params(int argc, char** argv) {
  EchoParams p = {32, 5000, 64};
  for (int i = 1; i < argc; ++i) {
    int* slot = NULL;
    const char* value = NULL;
    if (strncmp(argv[i], "--connections=", 14) == 0) slot = &p.connections, value = argv[i] + 14;
    if (strncmp(argv[i], "--round_trips=", 14) == 0) slot = &p.round_trips, value = argv[i] + 14;
    if (strncmp(argv[i], "--payload=", 10) == 0) slot = &p.payload, value = argv[i] + 10;
    if (slot == NULL || (*slot = atoi(value)) <= 0) {
      fprintf(stderr, "%s: bad argument %s (--connections=N --round_trips=N --payload=N)\n", argv[0], argv[i]);
      exit(2);
    }
  }
  if (p.payload > ECHO_MAX_PAYLOAD || p.connections > 10000) {
    fprintf(stderr, "%s: --payload at most %d, --connections at most 10000\n", argv[0], ECHO_MAX_PAYLOAD);
    exit(2);
  }
  return p;
}

static inline double echo_now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline void echo_report(const char* implementation, const char* style, const EchoParams* p,
                               double elapsed_s) {
  const double total = (double)p->connections * (double)p->round_trips;
  printf("%s %s round_trips_per_s: %.0f\n", implementation, style, total / elapsed_s);
  fflush(stdout);
}

#endif /* SEEDLOOP_TOOLS_BENCH_ECHO_ECHO_PARAMS_H_ */
