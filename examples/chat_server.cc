// A line-based chat server (examples/chat_room.h says what it does).
//
//   bazel run //examples:chat_server                  # 127.0.0.1:8888, until killed
//   bazel run //examples:chat_server -- --port 0      # a free port (printed)
//   nc 127.0.0.1 8888                                 # in two other terminals
//
// Flags: --port N, --max_clients N, --max_line BYTES, --max_backlog BYTES.
// Prints "Serving on ('127.0.0.1', PORT)". Ctrl-C (SIGINT) stops it: add_signal_handler cancels
// serve_forever, and the server closes.

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "examples/chat_room.h"
#include "loop/aio/run.h"
#include "loop/net/streams.h"
#include "loop/policy.h"

using namespace seedloop;

namespace {

Coro<void> serve(int port, examples::ChatOptions options) {
  std::shared_ptr<EventLoop> loop = get_running_loop();
  examples::ChatRoom room(options);
  Coro<std::shared_ptr<Server>> starting = start_server(room.handler(), "127.0.0.1", port, options.max_line);
  std::shared_ptr<Server> server = co_await std::move(starting);
  std::printf("Serving on %s\n", loop->socket_ops().getsockname(server->sockets().at(0))->to_string().c_str());
  std::fflush(stdout);
  Task<void> serving = loop->create_task(server->serve_forever());
  loop->add_signal_handler(SIGINT, [serving]() mutable { serving.cancel(); });
  try {
    co_await serving;
  } catch (const CancelledError&) {
    std::printf("Stopped; %zu members were connected\n", room.members());
  }
  loop->remove_signal_handler(SIGINT);
}

}  // namespace

int main(int argc, char** argv) {
  int port = 8888;
  examples::ChatOptions options;
  for (int i = 1; i + 1 < argc; i += 2) {
    const char* flag = argv[i];
    const long value = std::atol(argv[i + 1]);
    if (value < 0 || (value == 0 && std::strcmp(flag, "--port") != 0)) {
      std::fprintf(stderr, "chat_server: %s needs a positive number, got '%s'\n", flag, argv[i + 1]);
      return 2;
    }
    if (std::strcmp(flag, "--port") == 0) {
      port = static_cast<int>(value);
    } else if (std::strcmp(flag, "--max_clients") == 0) {
      options.max_clients = static_cast<size_t>(value);
    } else if (std::strcmp(flag, "--max_line") == 0) {
      options.max_line = static_cast<size_t>(value);
    } else if (std::strcmp(flag, "--max_backlog") == 0) {
      options.max_backlog = static_cast<size_t>(value);
    } else {
      std::fprintf(stderr, "chat_server: unknown flag %s\n", flag);
      return 2;
    }
  }
  run(serve(port, options));
  return 0;
}
