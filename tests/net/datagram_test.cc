// Datagram endpoints on loopback, on every production poller:
// create_datagram_endpoint with local_addr / remote_addr, DatagramProtocol
// and the datagram transport, against what CPython 3.11's asyncio does
// (checked with python3).

#include <netinet/in.h>
#include <sys/socket.h>

#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "loop/aio/sleep.h"
#include "loop/errors.h"
#include "loop/net/datagram_transport.h"
#include "loop/net/protocols.h"
#include "tests/net/net_fixture.h"

namespace seedloop::testing {
namespace {

// Records everything the transport tells it.
class Recorder : public DatagramProtocol {
 public:
  void connection_made(std::shared_ptr<DatagramTransport> t) override { transport = std::move(t); }
  void datagram_received(std::string_view data, const SockAddr& addr) override {
    received.emplace_back(std::string(data), addr);
  }
  void error_received(std::exception_ptr exception) override { errors.push_back(exception); }
  void connection_lost(std::exception_ptr exception) override {
    ++lost;
    lost_with = exception;
  }

  std::shared_ptr<DatagramTransport> transport;
  std::vector<std::pair<std::string, SockAddr>> received;
  std::vector<std::exception_ptr> errors;
  int lost = 0;
  std::exception_ptr lost_with;
};

// Sends every datagram back where it came from.
class Echo : public DatagramProtocol {
 public:
  void connection_made(std::shared_ptr<DatagramTransport> t) override { transport = std::move(t); }
  void datagram_received(std::string_view data, const SockAddr& addr) override { transport->sendto(data, addr); }
  std::shared_ptr<DatagramTransport> transport;
};

class DatagramTest : public NetTest {
 protected:
  static HostPort at(const char* host, int port) { return HostPort{host, port}; }
  Coro<std::shared_ptr<Recorder>> endpoint(std::optional<HostPort> local, std::optional<HostPort> remote = {}) {
    DatagramEndpointOptions options;
    options.local_addr = std::move(local);
    options.remote_addr = std::move(remote);
    auto proto = std::make_shared<Recorder>();
    Coro<DatagramTransportAndProtocol> making =
        loop_->create_datagram_endpoint([proto] { return proto; }, std::move(options));
    co_await std::move(making);
    co_return proto;
  }
  // Waits (up to 5 s) until `done` holds; false if it never did.
  Coro<bool> until(std::function<bool()> done) {
    for (int i = 0; i < 5000 && !done(); ++i) {
      Coro<void> pause = sleep(0.001);
      co_await std::move(pause);
    }
    co_return done();
  }
  int port_of(const DatagramTransport& t) { return std::get<SockAddr>(t.get_extra_info("sockname")).port(); }
};
INSTANTIATE_TEST_SUITE_P(AllPollers, DatagramTest, kAllPollers, poller_name);

TEST_P(DatagramTest, EchoRoundTripBetweenServerAndConnectedClient) {
  auto body = [&]() -> Coro<std::string> {
    auto echo = std::make_shared<Echo>();
    DatagramEndpointOptions options;
    options.local_addr = at("127.0.0.1", 0);
    Coro<DatagramTransportAndProtocol> serving =
        loop_->create_datagram_endpoint([echo] { return echo; }, std::move(options));
    co_await std::move(serving);
    std::shared_ptr<Recorder> client =
        co_await endpoint(std::nullopt, at("127.0.0.1", port_of(*echo->transport)));
    EXPECT_EQ(std::get<SockAddr>(client->transport->get_extra_info("peername")).port(), port_of(*echo->transport));
    client->transport->sendto("ping");
    const bool got = co_await until([&] { return !client->received.empty(); });
    std::string answer = got ? client->received[0].first : "(nothing)";
    EXPECT_EQ(client->received.at(0).second.port(), port_of(*echo->transport));
    client->transport->close();
    echo->transport->close();
    co_await sleep(0);
    co_return answer;
  };
  EXPECT_EQ(run(body()), "ping");
}

TEST_P(DatagramTest, UnconnectedSendtoReachesEachAddressAndReportsTheSender) {
  auto body = [&]() -> Coro<void> {
    std::shared_ptr<Recorder> a = co_await endpoint(at("127.0.0.1", 0));
    std::shared_ptr<Recorder> b = co_await endpoint(at("127.0.0.1", 0));
    std::shared_ptr<Recorder> sender = co_await endpoint(at("127.0.0.1", 0));
    sender->transport->sendto("to a", *SockAddr::ip("127.0.0.1", port_of(*a->transport)));
    sender->transport->sendto("to b", *SockAddr::ip("127.0.0.1", port_of(*b->transport)));
    const bool arrived = co_await until([&] { return !a->received.empty() && !b->received.empty(); });
    EXPECT_TRUE(arrived);
    EXPECT_EQ(a->received.at(0).first, "to a");
    EXPECT_EQ(b->received.at(0).first, "to b");
    EXPECT_EQ(a->received.at(0).second.to_string(), "('127.0.0.1', " + std::to_string(port_of(*sender->transport)) + ")");
    EXPECT_TRUE(std::holds_alternative<std::monostate>(sender->transport->get_extra_info("peername")));
    for (auto* p : {a.get(), b.get(), sender.get()}) p->transport->close();
    co_await sleep(0);
  };
  run(body());
}

TEST_P(DatagramTest, Ipv6LoopbackRoundTrip) {
  auto body = [&]() -> Coro<void> {
    std::shared_ptr<Recorder> server = co_await endpoint(at("::1", 0));
    std::shared_ptr<Recorder> client =
        co_await endpoint(std::nullopt, at("::1", port_of(*server->transport)));
    client->transport->sendto("over six");
    const bool arrived = co_await until([&] { return !server->received.empty(); });
    EXPECT_TRUE(arrived);
    EXPECT_EQ(server->received.at(0).first, "over six");
    EXPECT_EQ(server->received.at(0).second.family(), AF_INET6);
    client->transport->close();
    server->transport->close();
    co_await sleep(0);
  };
  run(body());
}

TEST_P(DatagramTest, ConnectedSocketToAClosedPortGetsConnectionRefusedInErrorReceived) {
  auto body = [&]() -> Coro<void> {
    // A port that was just free: bound, read, closed.
    std::shared_ptr<Recorder> gone = co_await endpoint(at("127.0.0.1", 0));
    const int port = port_of(*gone->transport);
    gone->transport->close();
    co_await sleep(0);
    std::shared_ptr<Recorder> client = co_await endpoint(std::nullopt, at("127.0.0.1", port));
    client->transport->sendto("anyone?");
    const bool arrived = co_await until([&] { return !client->errors.empty(); });
    EXPECT_TRUE(arrived);
    EXPECT_THROW(std::rethrow_exception(client->errors.at(0)), ConnectionRefusedError);
    EXPECT_FALSE(client->transport->is_closing());  // error_received leaves it open
    EXPECT_EQ(client->lost, 0);
    client->transport->close();
    co_await sleep(0);
  };
  run(body());
}

TEST_P(DatagramTest, CloseRunsConnectionLostOnceAndLaterSendsAreDroppedThenReported) {
  int reported = 0;
  loop_->set_exception_handler([&](EventLoop&, const ExceptionContext& context) {
    EXPECT_EQ(context.message, "socket.send() raised exception.");
    ++reported;
  });
  auto body = [&]() -> Coro<void> {
    std::shared_ptr<Recorder> server = co_await endpoint(at("127.0.0.1", 0));
    std::shared_ptr<Recorder> client =
        co_await endpoint(std::nullopt, at("127.0.0.1", port_of(*server->transport)));
    client->transport->close();
    client->transport->close();
    EXPECT_TRUE(client->transport->is_closing());
    co_await sleep(0);
    co_await sleep(0);
    EXPECT_EQ(client->lost, 1);
    EXPECT_EQ(client->lost_with, nullptr);
    for (int i = 0; i < 7; ++i) client->transport->sendto("late");  // asyncio: warns from the 5th on
    EXPECT_TRUE(std::holds_alternative<std::monostate>(client->transport->get_extra_info("socket")));
    server->transport->close();
    co_await sleep(0);
  };
  run(body());
  EXPECT_EQ(reported, 3);
}

TEST_P(DatagramTest, SendtoAnotherAddressOnAConnectedTransportIsValueError) {
  auto body = [&]() -> Coro<std::string> {
    std::shared_ptr<Recorder> server = co_await endpoint(at("127.0.0.1", 0));
    const int port = port_of(*server->transport);
    std::shared_ptr<Recorder> client = co_await endpoint(std::nullopt, at("127.0.0.1", port));
    std::string text;
    try {
      client->transport->sendto("x", *SockAddr::ip("127.0.0.1", port + 1));
    } catch (const ValueError& e) {
      text = e.message();
    }
    client->transport->sendto("ok", *SockAddr::ip("127.0.0.1", port));  // the peer itself is fine
    const bool arrived = co_await until([&] { return !server->received.empty(); });
    EXPECT_TRUE(arrived);
    client->transport->close();
    server->transport->close();
    co_await sleep(0);
    co_return text + " | " + std::to_string(port);
  };
  const std::string got = run(body());
  const std::string port = got.substr(got.find(" | ") + 3);
  EXPECT_EQ(got.substr(0, got.find(" | ")), "Invalid address: must be None or ('127.0.0.1', " + port + ")");
}

TEST_P(DatagramTest, NoAddressAndNoFamilyIsUnexpectedAddressFamily) {
  auto body = [&]() -> Coro<std::string> {
    try {
      co_await endpoint(std::nullopt);
    } catch (const ValueError& e) {
      co_return e.message();
    }
    co_return "(no error)";
  };
  EXPECT_EQ(run(body()), "unexpected address family");
}

TEST_P(DatagramTest, ABurstOfDatagramsArrivesInFull) {
  constexpr int kBurst = 100;
  auto body = [&]() -> Coro<void> {
    std::shared_ptr<Recorder> server = co_await endpoint(at("127.0.0.1", 0));
    std::shared_ptr<Recorder> client =
        co_await endpoint(std::nullopt, at("127.0.0.1", port_of(*server->transport)));
    for (int i = 0; i < kBurst; ++i) client->transport->sendto("datagram " + std::to_string(i));
    const bool arrived = co_await until([&] { return server->received.size() == kBurst; });
    EXPECT_TRUE(arrived);
    for (int i = 0; i < kBurst && i < static_cast<int>(server->received.size()); ++i) {
      EXPECT_EQ(server->received[i].first, "datagram " + std::to_string(i));
    }
    client->transport->close();
    server->transport->close();
    co_await sleep(0);
  };
  run(body());
}

}  // namespace
}  // namespace seedloop::testing
