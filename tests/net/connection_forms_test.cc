// create_connection's other forms on every production poller, against
// CPython 3.11 (checked with python3): local_addr, sock=, and several
// resolved addresses tried one after the other, interleaved by family, or
// raced (happy_eyeballs_delay), with the combined "Multiple exceptions"
// error when every address fails.
//
// Several addresses need a name that resolves to several: the loop here
// runs on RealSocketOps with getaddrinfo of "dual.test" answered from a
// list the test sets (loopback addresses only).

#include <netinet/in.h>
#include <sys/socket.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "loop/aio/sleep.h"
#include "loop/net/protocols.h"
#include "loop/net/server.h"
#include "loop/real/socket_ops.h"
#include "tests/net/forms_fixture.h"
#include "tests/net/recording_protocol.h"

namespace seedloop::testing {
namespace {

// RealSocketOps whose getaddrinfo answers "dual.test" with `answer`.
class ListedNames : public real::RealSocketOps {
 public:
  absl::StatusOr<std::vector<AddrInfo>> getaddrinfo(const std::string& host, const std::string& port,
                                                    const AddrInfoHints& hints) override {
    if (host == "dual.test") return answer;
    return real::RealSocketOps::getaddrinfo(host, port, hints);
  }
  std::vector<AddrInfo> answer;
};

AddrInfo stream_info(const char* host, int port) {
  AddrInfo info;
  info.address = *SockAddr::ip(host, port);
  info.family = info.address.family();
  info.type = SOCK_STREAM;
  info.proto = IPPROTO_TCP;
  return info;
}

class ConnectionFormsTest : public FormsTest {
 protected:
  ConnectionFormsTest() {
    loop_->close();
    Backend backend = new_selector_backend(GetParam());
    auto names = std::make_unique<ListedNames>();
    names_ = names.get();
    backend.sockets = std::move(names);
    loop_ = EventLoop::create(std::move(backend));
  }

  Coro<std::shared_ptr<Server>> server_on(const char* host) {
    Coro<std::shared_ptr<Server>> making =
        loop_->create_server([] { return std::make_shared<EchoProtocol>(); }, host, 0);
    std::shared_ptr<Server> server = co_await std::move(making);
    co_return server;
  }
  int port_of(const Server& server) { return ops().getsockname(server.sockets().at(0))->port(); }
  // A loopback port nobody listens on (on IPv4 or IPv6).
  int unused_port() {
    SockAddr address;
    const int fd = bound_socket(AF_INET, SOCK_STREAM, "127.0.0.1", &address);
    close_socket(fd);
    return address.port();
  }
  // The peer address of a connection create_connection made, which is closed.
  Coro<std::string> peer_of(std::string host, int port, ConnectionOptions options) {
    auto proto = std::make_shared<RecordingProtocol>(*loop_);
    Coro<TransportAndProtocol> connecting =
        loop_->create_connection([proto] { return proto; }, std::move(host), port, std::move(options));
    TransportAndProtocol tp = co_await std::move(connecting);
    const std::string peer = std::get<SockAddr>(tp.first->get_extra_info("peername")).to_string();
    tp.first->close();
    co_await proto->lost;
    co_return peer;
  }

  ListedNames* names_ = nullptr;
};
INSTANTIATE_TEST_SUITE_P(AllPollers, ConnectionFormsTest, kAllPollers, poller_name);

TEST_P(ConnectionFormsTest, LocalAddrBindsTheConnectingSocket) {
  std::shared_ptr<Server> server = run(server_on("127.0.0.1"));
  auto body = [&]() -> Coro<std::string> {
    auto proto = std::make_shared<RecordingProtocol>(*loop_);
    Coro<TransportAndProtocol> connecting = loop_->create_connection(
        [proto] { return proto; }, "127.0.0.1", port_of(*server), {.local_addr = HostPort{"127.0.0.2", 0}});
    TransportAndProtocol tp = co_await std::move(connecting);
    const std::string local = std::get<SockAddr>(tp.first->get_extra_info("sockname")).host();
    tp.first->close();
    co_await proto->lost;
    co_return local;
  };
  EXPECT_EQ(run(body()), "127.0.0.2");
  server->close();
}

TEST_P(ConnectionFormsTest, LocalAddrOfAnotherFamilyFindsNoMatchingLocalAddress) {
  EXPECT_EQ(raised_by(loop_->create_connection([] { return std::make_shared<EchoProtocol>(); }, "127.0.0.1", 1,
                                               {.local_addr = HostPort{"::1", 0}})),
            "OSError: no matching local address with family=<AddressFamily.AF_INET: 2> found");
}

TEST_P(ConnectionFormsTest, LocalAddrInUseRaisesTheBindErrorWithTheAddress) {
  SockAddr taken;
  bound_socket(AF_INET, SOCK_STREAM, "127.0.0.1", &taken);  // listening, without SO_REUSEADDR
  EXPECT_EQ(raised_by(loop_->create_connection([] { return std::make_shared<EchoProtocol>(); }, "127.0.0.1",
                                               taken.port(), {.local_addr = HostPort{"127.0.0.1", taken.port()}})),
            "OSError: [Errno 98] error while attempting to bind on address ('127.0.0.1', " +
                std::to_string(taken.port()) + "): address already in use");
}

TEST_P(ConnectionFormsTest, SockWrapsAnAlreadyConnectedSocket) {
  std::shared_ptr<Server> server = run(server_on("127.0.0.1"));
  absl::StatusOr<int> fd = ops().socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  ASSERT_TRUE(fd.ok());
  const int port = port_of(*server);
  auto body = [&]() -> Coro<std::string> {
    Coro<void> connecting = loop_->sock_connect(*fd, *SockAddr::ip("127.0.0.1", port));
    co_await std::move(connecting);
    auto proto = std::make_shared<RecordingProtocol>(*loop_);
    Coro<TransportAndProtocol> wrapping = loop_->create_connection([proto] { return proto; }, "", 0, {.sock = *fd});
    TransportAndProtocol tp = co_await std::move(wrapping);
    tp.first->write("echo me");
    while (proto->received.size() < 7) {
      Coro<void> pause = sleep(0.001);
      co_await std::move(pause);
    }
    tp.first->close();
    co_await proto->lost;
    co_return proto->received;
  };
  EXPECT_EQ(run(body()), "echo me");
  server->close();
}

TEST_P(ConnectionFormsTest, SockWithHostOrPortIsRefused) {
  const int fd = open_socket(AF_INET, SOCK_STREAM);
  EXPECT_EQ(raised_by(loop_->create_connection([] { return std::make_shared<EchoProtocol>(); }, "127.0.0.1", 80,
                                               {.sock = fd})),
            "ValueError: host/port and sock can not be specified at the same time");
}

TEST_P(ConnectionFormsTest, NeitherHostNorSockIsRefused) {
  EXPECT_EQ(raised_by(loop_->create_connection([] { return std::make_shared<EchoProtocol>(); }, "", 0)),
            "ValueError: host and port was not specified and no sock specified");
}

TEST_P(ConnectionFormsTest, SockOfAnotherTypeIsRefused) {
  const int fd = open_socket(AF_INET, SOCK_DGRAM);
  EXPECT_EQ(raised_by(loop_->create_connection([] { return std::make_shared<EchoProtocol>(); }, "", 0, {.sock = fd})),
            "ValueError: A Stream Socket was expected, got <socket fd=" + std::to_string(fd) + ">");
}

TEST_P(ConnectionFormsTest, ARefusedFirstAddressFallsToTheNextOne) {
  std::shared_ptr<Server> server = run(server_on("127.0.0.1"));
  const int port = port_of(*server);
  names_->answer = {stream_info("::1", port), stream_info("127.0.0.1", port)};
  EXPECT_EQ(run(peer_of("dual.test", port, {})), "('127.0.0.1', " + std::to_string(port) + ")");
  server->close();
}

TEST_P(ConnectionFormsTest, HappyEyeballsStartsTheNextAddressAsSoonAsTheFirstIsRefused) {
  std::shared_ptr<Server> server = run(server_on("127.0.0.1"));
  const int port = port_of(*server);
  names_->answer = {stream_info("::1", port), stream_info("127.0.0.1", port)};
  const double start = loop_->time();
  EXPECT_EQ(run(peer_of("dual.test", port, {.happy_eyeballs_delay = 5.0})),
            "('127.0.0.1', " + std::to_string(port) + ")");
  EXPECT_LT(loop_->time() - start, 2.5) << "the refusal, not the delay, started the second attempt";
  server->close();
}

TEST_P(ConnectionFormsTest, EveryAddressRefusedRaisesMultipleExceptions) {
  const int port = unused_port();
  names_->answer = {stream_info("::1", port), stream_info("127.0.0.1", port)};
  const std::string p = std::to_string(port);
  const std::string expected = "OSError: Multiple exceptions: [Errno 111] Connect call failed ('::1', " + p +
                               ", 0, 0), [Errno 111] Connect call failed ('127.0.0.1', " + p + ")";
  EXPECT_EQ(raised_by(peer_of("dual.test", port, {})), expected);
  EXPECT_EQ(raised_by(peer_of("dual.test", port, {.happy_eyeballs_delay = 0.25})), expected);
}

TEST_P(ConnectionFormsTest, InterleaveAlternatesTheFamilies) {
  const int port = unused_port();
  const int other = unused_port();
  names_->answer = {stream_info("::1", port), stream_info("::1", other), stream_info("127.0.0.1", port)};
  const std::string p = std::to_string(port);
  const std::string o = std::to_string(other);
  EXPECT_EQ(raised_by(peer_of("dual.test", port, {.interleave = 1})),
            "OSError: Multiple exceptions: [Errno 111] Connect call failed ('::1', " + p +
                ", 0, 0), [Errno 111] Connect call failed ('127.0.0.1', " + p +
                "), [Errno 111] Connect call failed ('::1', " + o + ", 0, 0)");
}

TEST_P(ConnectionFormsTest, TheSameErrorFromEveryAddressIsRaisedOnce) {
  const int port = unused_port();
  names_->answer = {stream_info("127.0.0.1", port), stream_info("127.0.0.1", port)};
  EXPECT_EQ(raised_by(peer_of("dual.test", port, {})),
            "ConnectionRefusedError: [Errno 111] Connect call failed ('127.0.0.1', " + std::to_string(port) + ")");
}

}  // namespace
}  // namespace seedloop::testing
