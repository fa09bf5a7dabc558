/* libuv_echo: the echo workload (echo_params.h) on libuv (Debian's 1.44),
 * callback style: uv_tcp_t streams, uv_read_start, uv_try_write first and
 * uv_write for what is left (what uvloop and asyncio transports do too).
 *
 *   libuv_echo [--connections=32 --round_trips=5000 --payload=64]
 *   -> libuv callback round_trips_per_s: N
 *
 * Single-threaded: everything runs in uv_run on the default loop. */

#include <netinet/in.h>
#include <uv.h>

#include "tools/bench/echo/echo_params.h"

#define CHECK(call)                                                          \
  do {                                                                       \
    int rc_ = (call);                                                        \
    if (rc_ < 0) {                                                           \
      fprintf(stderr, "libuv_echo: %s: %s\n", #call, uv_strerror(rc_));      \
      exit(1);                                                               \
    }                                                                        \
  } while (0)

typedef struct {
  uv_tcp_t tcp;
  char buffer[ECHO_MAX_PAYLOAD];
  int received; /* client: bytes of the current reply */
  int done;     /* client: round trips completed */
} Conn;

typedef struct {
  uv_write_t req;
  uv_buf_t buf;
  char data[];
} WriteReq;

static EchoParams g_params;
static uv_loop_t* g_loop;
static uv_tcp_t g_listener;
static Conn* g_servers;
static Conn* g_clients;
static char* g_payload;
static int g_accepted, g_connected, g_finished;
static double g_start_s, g_end_s;

static void on_alloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf) {
  (void)suggested;
  Conn* c = (Conn*)handle->data;
  *buf = uv_buf_init(c->buffer, sizeof c->buffer);
}

static void on_written(uv_write_t* req, int status) {
  CHECK(status);
  free(req);
}

/* Writes now what the socket takes; queues the rest (copied) with uv_write. */
static void send_bytes(uv_stream_t* stream, const char* data, size_t n) {
  int sent = uv_try_write(stream, &(uv_buf_t){.base = (char*)data, .len = n}, 1);
  if (sent == UV_EAGAIN) sent = 0;
  CHECK(sent);
  if ((size_t)sent == n) return;
  size_t rest = n - (size_t)sent;
  WriteReq* w = malloc(sizeof *w + rest);
  memcpy(w->data, data + sent, rest);
  w->buf = uv_buf_init(w->data, rest);
  CHECK(uv_write(&w->req, stream, &w->buf, 1, on_written));
}

static void close_all(void) {
  for (int i = 0; i < g_params.connections; ++i) {
    uv_close((uv_handle_t*)&g_clients[i].tcp, NULL);
    uv_close((uv_handle_t*)&g_servers[i].tcp, NULL);
  }
  uv_close((uv_handle_t*)&g_listener, NULL);
}

static void on_server_read(uv_stream_t* stream, ssize_t n, const uv_buf_t* buf) {
  if (n > 0) send_bytes(stream, buf->base, (size_t)n);
  if (n < 0 && n != UV_EOF) CHECK((int)n);
}

static void on_client_read(uv_stream_t* stream, ssize_t n, const uv_buf_t* buf) {
  (void)buf;
  if (n < 0) CHECK((int)n);
  Conn* c = (Conn*)stream->data;
  c->received += (int)n;
  if (c->received < g_params.payload) return;
  c->received = 0;
  if (++c->done < g_params.round_trips) {
    send_bytes(stream, g_payload, (size_t)g_params.payload);
    return;
  }
  uv_read_stop(stream);
  if (++g_finished == g_params.connections) {
    g_end_s = echo_now_s();
    close_all();
  }
}

static void start_round_trips(void) {
  g_start_s = echo_now_s();
  for (int i = 0; i < g_params.connections; ++i) {
    uv_stream_t* s = (uv_stream_t*)&g_clients[i].tcp;
    CHECK(uv_read_start(s, on_alloc, on_client_read));
    send_bytes(s, g_payload, (size_t)g_params.payload);
  }
}

static void on_connection(uv_stream_t* listener, int status) {
  CHECK(status);
  Conn* c = &g_servers[g_accepted++];
  CHECK(uv_tcp_init(g_loop, &c->tcp));
  c->tcp.data = c;
  CHECK(uv_accept(listener, (uv_stream_t*)&c->tcp));
  CHECK(uv_tcp_nodelay(&c->tcp, 1));
  CHECK(uv_read_start((uv_stream_t*)&c->tcp, on_alloc, on_server_read));
}

static void on_connect(uv_connect_t* req, int status) {
  CHECK(status);
  CHECK(uv_tcp_nodelay((uv_tcp_t*)req->handle, 1));
  free(req);
  if (++g_connected == g_params.connections) start_round_trips();
}

int main(int argc, char** argv) {
  g_params = echo_parse_params(argc, argv);
  g_loop = uv_default_loop();
  g_servers = calloc((size_t)g_params.connections, sizeof *g_servers);
  g_clients = calloc((size_t)g_params.connections, sizeof *g_clients);
  g_payload = malloc((size_t)g_params.payload);
  memset(g_payload, 'x', (size_t)g_params.payload);

  struct sockaddr_in addr;
  CHECK(uv_ip4_addr("127.0.0.1", 0, &addr));
  CHECK(uv_tcp_init(g_loop, &g_listener));
  CHECK(uv_tcp_bind(&g_listener, (const struct sockaddr*)&addr, 0));
  CHECK(uv_listen((uv_stream_t*)&g_listener, 1024, on_connection));
  int len = sizeof addr;
  CHECK(uv_tcp_getsockname(&g_listener, (struct sockaddr*)&addr, &len));

  for (int i = 0; i < g_params.connections; ++i) {
    Conn* c = &g_clients[i];
    CHECK(uv_tcp_init(g_loop, &c->tcp));
    c->tcp.data = c;
    uv_connect_t* req = malloc(sizeof *req);
    CHECK(uv_tcp_connect(req, &c->tcp, (const struct sockaddr*)&addr, on_connect));
  }
  CHECK(uv_run(g_loop, UV_RUN_DEFAULT));
  if (g_finished != g_params.connections) {
    fprintf(stderr, "libuv_echo: only %d of %d clients finished\n", g_finished, g_params.connections);
    return 1;
  }
  echo_report("libuv", "callback", &g_params, g_end_s - g_start_s);
  CHECK(uv_loop_close(g_loop));
  free(g_servers);
  free(g_clients);
  free(g_payload);
  return 0;
}
