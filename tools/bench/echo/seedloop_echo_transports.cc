// seedloop_echo_transports: the echo workload (echo_params.h) on seedloop's
// transports, in issue 8's two styles, the same programs as
// asyncio_echo.py --style=protocol / --style=streams:
//
//   seedloop_echo_transports --style=protocol [--connections=32 ...]
//     -> seedloop protocol round_trips_per_s: N   (Protocol callbacks)
//   seedloop_echo_transports --style=streams [...]
//     -> seedloop streams round_trips_per_s: N    (StreamReader/StreamWriter)
//
// One thread, the real epoll backend; transports set TCP_NODELAY
// themselves. The clock starts when every client is connected and stops
// when the last one has its last reply.

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "loop/aio/gather.h"
#include "loop/event_loop.h"
#include "loop/net/protocols.h"
#include "loop/net/server.h"
#include "loop/net/streams.h"
#include "loop/policy.h"
#include "tools/bench/echo/echo_params.h"

namespace seedloop {
namespace {

int port_of(EventLoop& loop, const Server& server) {
  absl::StatusOr<SockAddr> address = loop.socket_ops().getsockname(server.sockets().at(0));
  if (!address.ok()) {
    std::fprintf(stderr, "seedloop_echo_transports: getsockname: %s\n", address.status().ToString().c_str());
    std::exit(1);
  }
  return address->port();
}

// ---- Protocol style ----

// Counts the server side's open connections; `all_lost` is set when the
// last one is gone (the program ends only then: nothing left open).
struct ServerSide {
  int open = 0;
  Future<void> all_lost;
  void lost() {
    if (--open == 0 && !all_lost.done()) all_lost.set_result();
  }
};

class ServerProtocol final : public Protocol {
 public:
  explicit ServerProtocol(std::shared_ptr<ServerSide> side) : side_(std::move(side)) { ++side_->open; }
  void connection_made(std::shared_ptr<Transport> transport) override { transport_ = std::move(transport); }
  void data_received(std::string_view data) override { transport_->write(data); }
  void connection_lost(std::exception_ptr) override {
    transport_.reset();
    side_->lost();
  }

 private:
  std::shared_ptr<ServerSide> side_;
  std::shared_ptr<Transport> transport_;
};

class ClientProtocol final : public Protocol {
 public:
  ClientProtocol(const std::string& payload, int round_trips, Future<void> done)
      : payload_(payload), round_trips_(round_trips), done_(std::move(done)) {}
  void connection_made(std::shared_ptr<Transport> transport) override { transport_ = std::move(transport); }
  void start() { transport_->write(payload_); }
  void data_received(std::string_view data) override {
    received_ += data.size();
    if (received_ < payload_.size()) return;
    received_ = 0;
    if (++completed_ < round_trips_) {
      transport_->write(payload_);
    } else {
      transport_->close();
      done_.set_result();
    }
  }
  void connection_lost(std::exception_ptr) override { transport_.reset(); }

 private:
  const std::string& payload_;
  const int round_trips_;
  Future<void> done_;
  std::shared_ptr<Transport> transport_;
  size_t received_ = 0;
  int completed_ = 0;
};

Coro<double> run_protocol(EventLoop& loop, EchoParams params) {
  const std::string payload(static_cast<size_t>(params.payload), 'x');
  auto side = std::make_shared<ServerSide>();
  side->all_lost = loop.create_future<void>();
  Coro<std::shared_ptr<Server>> serving = loop.create_server(
      [side] { return std::make_shared<ServerProtocol>(side); }, "127.0.0.1", 0, ServerOptions{.backlog = 1024});
  std::shared_ptr<Server> server = co_await std::move(serving);
  const int port = port_of(loop, *server);
  std::vector<std::shared_ptr<ClientProtocol>> clients;
  std::vector<Future<void>> done;
  for (int i = 0; i < params.connections; ++i) {
    Future<void> d = loop.create_future<void>();
    done.push_back(d);
    ProtocolFactory factory = [&payload, &params, d] {
      return std::make_shared<ClientProtocol>(payload, params.round_trips, d);
    };
    Coro<TransportAndProtocol> connecting = loop.create_connection(factory, "127.0.0.1", port);
    TransportAndProtocol tp = co_await std::move(connecting);
    clients.push_back(std::static_pointer_cast<ClientProtocol>(tp.second));
  }
  const double start_s = echo_now_s();
  for (auto& c : clients) c->start();
  for (Future<void>& d : done) co_await d;
  const double elapsed_s = echo_now_s() - start_s;
  server->close();
  Coro<void> closing = server->wait_closed();
  co_await std::move(closing);
  co_await side->all_lost;  // every server transport saw EOF and let go
  co_return elapsed_s;
}

// ---- Streams style ----

Coro<void> serve(std::shared_ptr<ServerSide> side, std::shared_ptr<StreamReader> reader,
                 std::shared_ptr<StreamWriter> writer) {
  ++side->open;
  for (;;) {
    Coro<std::string> reading = reader->read(ECHO_MAX_PAYLOAD);
    std::string data = co_await std::move(reading);
    if (data.empty()) break;
    writer->write(data);
    Coro<void> draining = writer->drain();
    co_await std::move(draining);
  }
  writer->close();
  Coro<void> closing = writer->wait_closed();
  co_await std::move(closing);
  side->lost();
}

Coro<void> client(Streams conn, const std::string& payload, int round_trips) {
  for (int i = 0; i < round_trips; ++i) {
    conn.writer->write(payload);
    Coro<void> draining = conn.writer->drain();
    co_await std::move(draining);
    Coro<std::string> reading = conn.reader->readexactly(static_cast<int64_t>(payload.size()));
    co_await std::move(reading);
  }
  conn.writer->close();
  Coro<void> closing = conn.writer->wait_closed();
  co_await std::move(closing);
}

Coro<double> run_streams(EventLoop& loop, EchoParams params) {
  const std::string payload(static_cast<size_t>(params.payload), 'x');
  auto side = std::make_shared<ServerSide>();
  side->all_lost = loop.create_future<void>();
  ClientConnected handler = [side](std::shared_ptr<StreamReader> r, std::shared_ptr<StreamWriter> w) {
    return serve(side, std::move(r), std::move(w));
  };
  Coro<std::shared_ptr<Server>> serving = start_server(handler, "127.0.0.1", 0);
  std::shared_ptr<Server> server = co_await std::move(serving);
  const int port = port_of(loop, *server);
  std::vector<Streams> conns;
  for (int i = 0; i < params.connections; ++i) {
    Coro<Streams> connecting = open_connection("127.0.0.1", port);
    conns.push_back(co_await std::move(connecting));
  }
  const double start_s = echo_now_s();
  std::vector<Task<void>> clients;
  for (Streams& c : conns) clients.push_back(loop.create_task(client(c, payload, params.round_trips)));
  for (Task<void>& t : clients) co_await t;
  const double elapsed_s = echo_now_s() - start_s;
  server->close();
  Coro<void> closing = server->wait_closed();
  co_await std::move(closing);
  co_await side->all_lost;  // every handler closed its writer
  co_return elapsed_s;
}

}  // namespace
}  // namespace seedloop

int main(int argc, char** argv) {
  // --style=protocol|streams first; the rest are echo_params.h's flags.
  if (argc < 2 || (std::strcmp(argv[1], "--style=protocol") != 0 && std::strcmp(argv[1], "--style=streams") != 0)) {
    std::fprintf(stderr, "usage: %s --style=protocol|streams [--connections=N --round_trips=N --payload=N]\n",
                 argv[0]);
    return 2;
  }
  const bool protocol = std::strcmp(argv[1], "--style=protocol") == 0;
  argv[1] = argv[0];
  const EchoParams params = echo_parse_params(argc - 1, argv + 1);
  auto loop = seedloop::new_event_loop();
  const double elapsed_s =
      loop->run_until_complete(protocol ? seedloop::run_protocol(*loop, params) : seedloop::run_streams(*loop, params));
  loop->close();
  echo_report("seedloop", protocol ? "protocol" : "streams", &params, elapsed_s);
  return 0;
}
