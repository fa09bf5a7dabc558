// The TCP echo server of Python's asyncio streams documentation, in C++.
//
//   bazel run //examples:echo_server                       # 127.0.0.1:8888, forever
//   bazel run //examples:echo_server -- --port 0 --clients 1
//
// Prints "Serving on ('127.0.0.1', 8888)", then for each connection what
// it received and sent back. --port 0 picks a free port (printed);
// --clients N stops after N connections (for tests), else it serves until
// killed.

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "loop/aio/run.h"
#include "loop/net/streams.h"
#include "loop/policy.h"

using namespace seedloop;

namespace {

// Python's repr() of a short ASCII str.
std::string repr(const std::string& s) { return "'" + s + "'"; }

Coro<void> serve(int port, int clients) {
  int handled = 0;
  std::shared_ptr<Server> server;
  auto handle_echo = [&](std::shared_ptr<StreamReader> reader, std::shared_ptr<StreamWriter> writer) -> Coro<void> {
    std::string message = co_await reader->read(100);
    SockAddr address = std::get<SockAddr>(writer->get_extra_info("peername"));
    std::printf("Received %s from %s\n", repr(message).c_str(), address.to_string().c_str());
    std::printf("Send: %s\n", repr(message).c_str());
    writer->write(message);
    co_await writer->drain();
    std::printf("Close the connection\n");
    std::fflush(stdout);
    writer->close();
    co_await writer->wait_closed();
    if (++handled == clients) server->close();  // ends serve_forever
  };
  server = co_await start_server(handle_echo, "127.0.0.1", port);
  SocketOps& ops = get_running_loop()->socket_ops();
  std::printf("Serving on %s\n", ops.getsockname(server->sockets().at(0))->to_string().c_str());
  std::fflush(stdout);
  try {
    co_await server->serve_forever();
  } catch (const CancelledError&) {
    // close() from the handler: done serving
  }
}

}  // namespace

int main(int argc, char** argv) {
  int port = 8888;
  int clients = -1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--port") == 0) port = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--clients") == 0) clients = std::atoi(argv[i + 1]);
  }
  run(serve(port, clients));
  return 0;
}
