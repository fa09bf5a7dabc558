// asio_echo: the echo workload (echo_params.h) on Boost.Asio (Debian's Boost
// 1.74, Asio 1.18), io_context(1), in two styles:
//
//   asio_echo --style=coro      C++20 coroutines: co_spawn, use_awaitable
//                               (async_read_some / async_write), the
//                               counterpart of seedloop's coroutine styles
//   asio_echo --style=callback  completion handlers, the counterpart of
//                               the Protocol style
//
//   -> asio coro round_trips_per_s: N
//
// The clients connect before the loop runs (blocking connects, completed by
// the kernel's backlog); the clock starts when the loop starts.

// Boost 1.74's awaitable header uses std::exchange without including
// <utility>; g++ 12 needs it first.
#include <utility>

#include <boost/asio.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <array>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "tools/bench/echo/echo_params.h"

namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

struct Run {
  EchoParams params;
  std::string payload;
  int finished = 0;
  double end_s = 0;
  void client_done() {
    if (++finished == params.connections) end_s = echo_now_s();
  }
};

// ---- Coroutine style ----

asio::awaitable<void> serve_coro(tcp::socket socket) {
  std::array<char, ECHO_MAX_PAYLOAD> buffer;
  for (;;) {
    boost::system::error_code ec;
    size_t n = co_await socket.async_read_some(asio::buffer(buffer),
                                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;  // the client closed
    co_await asio::async_write(socket, asio::buffer(buffer.data(), n), asio::use_awaitable);
  }
}

asio::awaitable<void> accept_coro(tcp::acceptor& acceptor, int count) {
  for (int i = 0; i < count; ++i) {
    tcp::socket socket = co_await acceptor.async_accept(asio::use_awaitable);
    socket.set_option(tcp::no_delay(true));
    asio::co_spawn(acceptor.get_executor(), serve_coro(std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> client_coro(tcp::socket& socket, Run& run) {
  std::array<char, ECHO_MAX_PAYLOAD> buffer;
  for (int i = 0; i < run.params.round_trips; ++i) {
    co_await asio::async_write(socket, asio::buffer(run.payload), asio::use_awaitable);
    co_await asio::async_read(socket, asio::buffer(buffer.data(), run.payload.size()), asio::use_awaitable);
  }
  run.client_done();
  socket.close();
}

// ---- Callback style ----

class ServerSession : public std::enable_shared_from_this<ServerSession> {
 public:
  explicit ServerSession(tcp::socket socket) : socket_(std::move(socket)) {}
  void read() {
    socket_.async_read_some(asio::buffer(buffer_), [self = shared_from_this()](auto ec, size_t n) {
      if (!ec) self->write(n);
    });
  }

 private:
  void write(size_t n) {
    asio::async_write(socket_, asio::buffer(buffer_.data(), n), [self = shared_from_this()](auto ec, size_t) {
      if (!ec) self->read();
    });
  }
  tcp::socket socket_;
  std::array<char, ECHO_MAX_PAYLOAD> buffer_;
};

void accept_callback(tcp::acceptor& acceptor, int remaining) {
  if (remaining == 0) return;
  acceptor.async_accept([&acceptor, remaining](auto ec, tcp::socket socket) {
    if (ec) return;
    socket.set_option(tcp::no_delay(true));
    std::make_shared<ServerSession>(std::move(socket))->read();
    accept_callback(acceptor, remaining - 1);
  });
}

class Client {
 public:
  Client(tcp::socket& socket, Run& run) : socket_(socket), run_(run) {}
  void send() {
    asio::async_write(socket_, asio::buffer(run_.payload), [this](auto ec, size_t) {
      if (!ec) receive();
    });
  }

 private:
  void receive() {
    asio::async_read(socket_, asio::buffer(buffer_.data(), run_.payload.size()), [this](auto ec, size_t) {
      if (ec) return;
      if (++done_ < run_.params.round_trips) return send();
      run_.client_done();
      socket_.close();
    });
  }
  tcp::socket& socket_;
  Run& run_;
  int done_ = 0;
  std::array<char, ECHO_MAX_PAYLOAD> buffer_;
};

}  // namespace

int main(int argc, char** argv) {
  std::string style = "coro";
  std::vector<char*> rest = {argv[0]};
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--style=", 8) == 0) {
      style = argv[i] + 8;
    } else {
      rest.push_back(argv[i]);
    }
  }
  if (style != "coro" && style != "callback") {
    std::fprintf(stderr, "asio_echo: --style=coro or --style=callback\n");
    return 2;
  }
  Run run;
  run.params = echo_parse_params(static_cast<int>(rest.size()), rest.data());
  run.payload.assign(static_cast<size_t>(run.params.payload), 'x');

  asio::io_context io(1);
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  acceptor.listen(1024);
  std::vector<tcp::socket> clients;
  clients.reserve(static_cast<size_t>(run.params.connections));
  for (int i = 0; i < run.params.connections; ++i) {
    clients.emplace_back(io).connect(acceptor.local_endpoint());
    clients.back().set_option(tcp::no_delay(true));
  }
  std::vector<std::unique_ptr<Client>> callback_clients;
  if (style == "coro") {
    asio::co_spawn(io, accept_coro(acceptor, run.params.connections), asio::detached);
    for (tcp::socket& s : clients) asio::co_spawn(io, client_coro(s, run), asio::detached);
  } else {
    accept_callback(acceptor, run.params.connections);
    for (tcp::socket& s : clients) {
      callback_clients.push_back(std::make_unique<Client>(s, run));
      callback_clients.back()->send();
    }
  }
  const double start_s = echo_now_s();
  io.run();
  if (run.finished != run.params.connections) {
    std::fprintf(stderr, "asio_echo: only %d of %d clients finished\n", run.finished, run.params.connections);
    return 1;
  }
  echo_report("asio", style.c_str(), &run.params, run.end_s - start_s);
  return 0;
}
