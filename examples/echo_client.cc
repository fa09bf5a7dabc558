// The TCP echo client of Python's asyncio streams documentation, in C++.
//
//   bazel run //examples:echo_client                   # to 127.0.0.1:8888
//   bazel run //examples:echo_client -- --port 40213 --message 'Hello World!'
//
// Prints "Send: 'Hello World!'", "Received: 'Hello World!'", "Close the
// connection". Exits 1 when the server cannot be reached.

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "loop/aio/run.h"
#include "loop/errors.h"
#include "loop/net/streams.h"

using namespace seedloop;

namespace {

std::string repr(const std::string& s) { return "'" + s + "'"; }

Coro<void> tcp_echo_client(std::string message, int port) {
  Streams s = co_await open_connection("127.0.0.1", port);
  std::printf("Send: %s\n", repr(message).c_str());
  s.writer->write(message);
  co_await s.writer->drain();
  std::string data = co_await s.reader->read(100);
  std::printf("Received: %s\n", repr(data).c_str());
  std::printf("Close the connection\n");
  s.writer->close();
  co_await s.writer->wait_closed();
}

}  // namespace

int main(int argc, char** argv) {
  int port = 8888;
  std::string message = "Hello World!";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--port") == 0) port = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--message") == 0) message = argv[i + 1];
  }
  try {
    run(tcp_echo_client(message, port));
  } catch (const OSError& e) {
    std::fprintf(stderr, "%s: %s\n", e.type_name(), e.what());
    return 1;
  }
  return 0;
}
