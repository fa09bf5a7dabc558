// Protocols and the selector socket transport on loopback, on every
// production poller: create_server + create_connection round trips,
// half-close, refused and reset connections, and write errors, against
// what CPython 3.11's asyncio does (checked with python3).

#include <netinet/tcp.h>
#include <sys/socket.h>

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "loop/aio/sleep.h"
#include "loop/aio/wait_for.h"
#include "loop/net/protocols.h"
#include "loop/net/server.h"
#include "tests/net/net_fixture.h"
#include "tests/net/recording_protocol.h"

namespace seedloop::testing {
namespace {

class TransportTest : public NetTest {
 protected:
  // A server on 127.0.0.1 whose protocols are collected in `accepted`.
  Coro<std::shared_ptr<Server>> recording_server() {
    Coro<std::shared_ptr<Server>> making = loop_->create_server(
        [this] {
          auto p = std::make_shared<RecordingProtocol>(*loop_);
          accepted.push_back(p);
          return p;
        },
        "127.0.0.1", 0);
    std::shared_ptr<Server> server = co_await std::move(making);
    co_return server;
  }
  int port_of(const Server& server) { return ops().getsockname(server.sockets().at(0))->port(); }
  Coro<std::shared_ptr<RecordingProtocol>> connect(int port) {
    auto proto = std::make_shared<RecordingProtocol>(*loop_);
    Coro<TransportAndProtocol> connecting = loop_->create_connection([proto] { return proto; }, "127.0.0.1", port);
    co_await std::move(connecting);
    co_return proto;
  }
  Coro<void> wait(Future<void> f) {
    Coro<void> waiting = wait_for(f, 5.0);
    co_await std::move(waiting);
  }

  std::vector<std::shared_ptr<RecordingProtocol>> accepted;
};
INSTANTIATE_TEST_SUITE_P(AllPollers, TransportTest, kAllPollers, poller_name);

TEST_P(TransportTest, EchoRoundTripThenCloseCallsConnectionLostOnBothSides) {
  auto body = [&]() -> Coro<std::string> {
    Coro<std::shared_ptr<Server>> serving =
        loop_->create_server([] { return std::make_shared<EchoProtocol>(); }, "127.0.0.1", 0);
    std::shared_ptr<Server> server = co_await std::move(serving);
    std::shared_ptr<RecordingProtocol> client = co_await connect(port_of(*server));
    client->transport->write("hello ");
    client->transport->write("world");
    while (client->received.size() < 11) co_await sleep(0.001);
    client->transport->close();
    EXPECT_TRUE(client->transport->is_closing());
    co_await wait(client->lost);
    server->close();
    co_await server->wait_closed();
    co_return client->received;
  };
  EXPECT_EQ(run(body()), "hello world");
}

TEST_P(TransportTest, ExtraInfoNamesBothEnds) {
  auto body = [&]() -> Coro<void> {
    std::shared_ptr<Server> server = co_await recording_server();
    std::shared_ptr<RecordingProtocol> client = co_await connect(port_of(*server));
    co_await wait(accepted.at(0)->made);
    Transport& c = *client->transport;
    Transport& s = *accepted[0]->transport;
    EXPECT_EQ(std::get<SockAddr>(c.get_extra_info("peername")), std::get<SockAddr>(s.get_extra_info("sockname")));
    EXPECT_EQ(std::get<SockAddr>(c.get_extra_info("sockname")), std::get<SockAddr>(s.get_extra_info("peername")));
    EXPECT_TRUE(std::holds_alternative<int>(c.get_extra_info("socket")));
    EXPECT_TRUE(std::holds_alternative<std::monostate>(c.get_extra_info("sslcontext")));
    // TCP_NODELAY is on by default, as asyncio sets it.
    EXPECT_EQ(*ops().getsockopt(std::get<int>(c.get_extra_info("socket")), IPPROTO_TCP, TCP_NODELAY), 1);
    c.close();
    co_await wait(accepted[0]->lost);
    server->close();
  };
  run(body());
}

TEST_P(TransportTest, WriteEofIsSeenAsEofReceivedAndTheOtherDirectionStaysOpen) {
  auto body = [&]() -> Coro<void> {
    std::shared_ptr<Server> server = co_await recording_server();
    std::shared_ptr<RecordingProtocol> client = co_await connect(port_of(*server));
    client->keep_open_on_eof = true;
    co_await wait(accepted.at(0)->made);
    std::shared_ptr<RecordingProtocol> peer = accepted[0];
    peer->keep_open_on_eof = true;
    EXPECT_TRUE(client->transport->can_write_eof());
    client->transport->write("request");
    client->transport->write_eof();
    co_await wait(peer->eof);
    EXPECT_EQ(peer->received, "request");
    EXPECT_THROW(client->transport->write("more"), RuntimeError);
    peer->transport->write("reply");
    peer->transport->close();  // after the reply is sent
    co_await wait(client->eof);
    client->transport->close();  // kept open on EOF: closed by its owner
    co_await wait(client->lost);
    co_await wait(peer->lost);
    EXPECT_EQ(client->received, "reply");
    EXPECT_EQ(client->events, (std::vector<std::string>{"made", "data", "eof", "lost"}));
    EXPECT_EQ(peer->events, (std::vector<std::string>{"made", "data", "eof", "lost"}));
    server->close();
  };
  run(body());
}

TEST_P(TransportTest, EofReceivedReturningFalseClosesTheTransport) {
  auto body = [&]() -> Coro<void> {
    std::shared_ptr<Server> server = co_await recording_server();
    std::shared_ptr<RecordingProtocol> client = co_await connect(port_of(*server));
    client->transport->write_eof();
    co_await wait(accepted.at(0)->lost);
    EXPECT_EQ(accepted[0]->events, (std::vector<std::string>{"made", "eof", "lost"}));
    co_await wait(client->eof);  // the server's transport closed: EOF here
    co_await wait(client->lost);
    server->close();
  };
  run(body());
}

TEST_P(TransportTest, ConnectionRefusedRaisesAsyncioText) {
  auto body = [&]() -> Coro<void> {
    SockAddr address;
    const int fd = bound_socket(AF_INET, SOCK_STREAM, "127.0.0.1", &address);
    close_socket(fd);  // nothing listens on the port now
    bool refused = false;
    try {
      co_await connect(address.port());
    } catch (const ConnectionRefusedError& e) {
      refused = true;
      EXPECT_EQ(e.message(), "[Errno 111] Connect call failed ('127.0.0.1', " + std::to_string(address.port()) + ")");
      EXPECT_EQ(e.error_number(), ECONNREFUSED);
    }
    EXPECT_TRUE(refused);
  };
  run(body());
}

TEST_P(TransportTest, RefusedOnEveryResolvedAddressCombinesTheErrors) {
  // No host (Python's None) resolves to ::1 and 127.0.0.1; both refuse.
  auto body = [&]() -> Coro<void> {
    SockAddr address;
    const int fd = bound_socket(AF_INET, SOCK_STREAM, "127.0.0.1", &address);
    close_socket(fd);
    const std::string port = std::to_string(address.port());
    Coro<std::vector<AddrInfo>> resolving = loop_->getaddrinfo("", port, {.type = SOCK_STREAM});
    std::vector<AddrInfo> infos = co_await std::move(resolving);
    if (infos.size() != 2) {
      ADD_FAILURE() << "expected ::1 and 127.0.0.1, got " << infos.size() << " addresses";
      co_return;
    }
    bool raised = false;
    try {
      co_await loop_->create_connection([] { return std::make_shared<EchoProtocol>(); }, "", address.port());
    } catch (const OSError& e) {
      raised = true;
      EXPECT_STREQ(e.type_name(), "OSError");
      EXPECT_EQ(e.message(), "Multiple exceptions: [Errno 111] Connect call failed " + infos[0].address.to_string() +
                                 ", [Errno 111] Connect call failed " + infos[1].address.to_string());
    }
    EXPECT_TRUE(raised);
  };
  run(body());
}

TEST_P(TransportTest, AbortWithUnreadDataResetsThePeer) {
  // asyncio: the aborting side closes a socket whose receive queue is not
  // empty, the kernel sends RST, and the peer's connection_lost gets
  // ConnectionResetError(104, 'Connection reset by peer').
  auto body = [&]() -> Coro<void> {
    std::shared_ptr<Server> server = co_await recording_server();
    std::shared_ptr<RecordingProtocol> client = co_await connect(port_of(*server));
    co_await wait(accepted.at(0)->made);
    client->transport->pause_reading();
    accepted[0]->transport->write("unread");
    co_await sleep(0.05);
    client->transport->abort();
    co_await wait(accepted[0]->lost);
    EXPECT_EQ(accepted[0]->events.back(), "lost: ConnectionResetError: [Errno 104] Connection reset by peer");
    EXPECT_EQ(client->events.back(), "lost");
    server->close();
  };
  run(body());
}

TEST_P(TransportTest, AbortWithNothingUnreadIsACleanEofForThePeer) {
  auto body = [&]() -> Coro<void> {
    std::shared_ptr<Server> server = co_await recording_server();
    std::shared_ptr<RecordingProtocol> client = co_await connect(port_of(*server));
    co_await wait(accepted.at(0)->made);
    client->transport->write("x");
    co_await sleep(0.02);
    client->transport->abort();
    co_await wait(accepted[0]->lost);
    EXPECT_EQ(accepted[0]->events, (std::vector<std::string>{"made", "data", "eof", "lost"}));
    server->close();
  };
  run(body());
}

TEST_P(TransportTest, CloseSendsBufferedDataFirstAbortDropsIt) {
  auto body = [&]() -> Coro<void> {
    std::shared_ptr<Server> server = co_await recording_server();
    std::shared_ptr<RecordingProtocol> closer = co_await connect(port_of(*server));
    std::shared_ptr<RecordingProtocol> aborter = co_await connect(port_of(*server));
    co_await wait(accepted.at(1)->made);
    for (auto& peer : accepted) peer->transport->pause_reading();
    // Small fixed kernel buffers (no autotuning), so that most data waits in the transport.
    for (auto* p : {closer.get(), aborter.get(), accepted[0].get(), accepted[1].get()}) {
      const int fd = std::get<int>(p->transport->get_extra_info("socket"));
      EXPECT_TRUE(ops().setsockopt(fd, SOL_SOCKET, SO_SNDBUF, 64 * 1024).ok());
      EXPECT_TRUE(ops().setsockopt(fd, SOL_SOCKET, SO_RCVBUF, 64 * 1024).ok());
    }
    const std::string big(8 * 1024 * 1024, 'q');
    closer->transport->write(big);
    aborter->transport->write(big);
    EXPECT_GT(closer->transport->get_write_buffer_size(), 0u);
    closer->transport->close();
    aborter->transport->abort();
    EXPECT_EQ(aborter->transport->get_write_buffer_size(), 0u);
    co_await sleep(0.02);
    EXPECT_EQ(closer->events.back(), "pause");  // still flushing: no connection_lost yet
    EXPECT_EQ(aborter->events.back(), "lost");
    for (auto& peer : accepted) peer->transport->resume_reading();
    co_await wait(accepted[0]->lost);
    co_await wait(accepted[1]->lost);
    co_await wait(closer->lost);
    EXPECT_EQ(accepted[0]->received.size(), big.size());
    EXPECT_LT(accepted[1]->received.size(), big.size());
    server->close();
  };
  run(body());
}

TEST_P(TransportTest, ProtocolErrorGoesToTheHandlerAndToConnectionLost) {
  std::vector<std::string> reported;
  loop_->set_exception_handler([&](EventLoop&, const ExceptionContext& c) { reported.push_back(c.message); });
  auto body = [&]() -> Coro<void> {
    std::shared_ptr<Server> server = co_await recording_server();
    std::shared_ptr<RecordingProtocol> client = co_await connect(port_of(*server));
    co_await wait(accepted.at(0)->made);
    accepted[0]->data_hook = [](std::string_view) { throw ValueError("bad request"); };
    client->transport->write("boom");
    co_await wait(accepted[0]->lost);
    EXPECT_EQ(accepted[0]->events.back(), "lost: ValueError: bad request");
    co_await wait(client->lost);
    server->close();
  };
  run(body());
  EXPECT_EQ(reported, (std::vector<std::string>{"Fatal error: protocol.data_received() call failed."}));
}

TEST_P(TransportTest, WritesAfterTheConnectionIsLostAreDropped) {
  std::vector<std::string> reported;
  loop_->set_exception_handler([&](EventLoop&, const ExceptionContext& c) { reported.push_back(c.message); });
  auto body = [&]() -> Coro<void> {
    std::shared_ptr<Server> server = co_await recording_server();
    std::shared_ptr<RecordingProtocol> client = co_await connect(port_of(*server));
    client->transport->abort();
    for (int i = 0; i < 6; ++i) client->transport->write("late");
    co_await wait(client->lost);
    EXPECT_EQ(client->transport->get_write_buffer_size(), 0u);
    co_await wait(accepted.at(0)->lost);
    server->close();
  };
  run(body());
  // asyncio logs from the fifth dropped write on ("socket.send() raised exception.").
  EXPECT_EQ(reported.size(), 2u);
}

TEST_P(TransportTest, WriteBufferLimitsFollowAsyncioDefaults) {
  auto body = [&]() -> Coro<void> {
    std::shared_ptr<Server> server = co_await recording_server();
    std::shared_ptr<RecordingProtocol> client = co_await connect(port_of(*server));
    Transport& t = *client->transport;
    EXPECT_EQ(t.get_write_buffer_limits(), (std::pair<size_t, size_t>{16384, 65536}));
    t.set_write_buffer_limits(1000);
    EXPECT_EQ(t.get_write_buffer_limits(), (std::pair<size_t, size_t>{250, 1000}));
    t.set_write_buffer_limits(std::nullopt, 100);
    EXPECT_EQ(t.get_write_buffer_limits(), (std::pair<size_t, size_t>{100, 400}));
    try {
      t.set_write_buffer_limits(1, 2);
      ADD_FAILURE() << "no ValueError";
    } catch (const ValueError& e) {
      EXPECT_EQ(e.message(), "high (1) must be >= low (2) must be >= 0");
    }
    t.close();
    co_await wait(client->lost);
    co_await wait(accepted.at(0)->lost);
    server->close();
  };
  run(body());
}

}  // namespace
}  // namespace seedloop::testing
