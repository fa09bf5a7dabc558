// loop.sock_recv / sock_recv_into / sock_sendall / sock_connect /
// sock_accept on loopback, on every production poller (epoll, poll,
// select), against CPython 3.11's selector_events.py behaviour.

#include <netinet/in.h>
#include <sys/socket.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "loop/aio/gather.h"
#include "loop/aio/sleep.h"
#include "loop/event_loop.h"
#include "tests/net/net_fixture.h"

namespace seedloop::testing {
namespace {

class SockMethodsTest : public NetTest {};
INSTANTIATE_TEST_SUITE_P(AllPollers, SockMethodsTest, kAllPollers, poller_name);

TEST_P(SockMethodsTest, TcpRoundTripOnLoopback) {
  SockAddr address;
  const int server = bound_socket(AF_INET, SOCK_STREAM, "127.0.0.1", &address);
  const int client = open_socket(AF_INET, SOCK_STREAM);
  auto body = [&]() -> Coro<std::string> {
    Coro<void> connecting = loop_->sock_connect(client, address);
    co_await std::move(connecting);
    Coro<Accepted> accepting = loop_->sock_accept(server);
    Accepted conn = co_await std::move(accepting);
    own(conn.fd);
    // The server waits for data before the client sends any.
    Task<std::string> request = loop_->create_task(loop_->sock_recv(conn.fd, 100));
    co_await sleep(0);
    EXPECT_FALSE(request.done());
    Coro<void> sending = loop_->sock_sendall(client, "hello");
    co_await std::move(sending);
    std::string got = co_await request;
    Coro<void> replying = loop_->sock_sendall(conn.fd, "echo: " + got);
    co_await std::move(replying);
    std::vector<char> buffer(100);
    Coro<size_t> reading = loop_->sock_recv_into(client, absl::MakeSpan(buffer));
    size_t n = co_await std::move(reading);
    co_return std::string(buffer.data(), n);
  };
  EXPECT_EQ(run(body()), "echo: hello");
}

TEST_P(SockMethodsTest, TcpRoundTripOverIpv6Loopback) {
  SockAddr address;
  const int server = bound_socket(AF_INET6, SOCK_STREAM, "::1", &address);
  const int client = open_socket(AF_INET6, SOCK_STREAM);
  auto body = [&]() -> Coro<std::string> {
    Coro<void> connecting = loop_->sock_connect(client, address);
    co_await std::move(connecting);
    Coro<Accepted> accepting = loop_->sock_accept(server);
    Accepted conn = co_await std::move(accepting);
    own(conn.fd);
    EXPECT_EQ(conn.address.host(), "::1");
    Coro<void> sending = loop_->sock_sendall(client, "six");
    co_await std::move(sending);
    std::string got = co_await loop_->sock_recv(conn.fd, 10);
    co_return got;
  };
  EXPECT_EQ(run(body()), "six");
}

TEST_P(SockMethodsTest, UdpRoundTripOnConnectedDatagramSockets) {
  SockAddr a_address, b_address;
  const int a = bound_socket(AF_INET, SOCK_DGRAM, "127.0.0.1", &a_address);
  const int b = bound_socket(AF_INET, SOCK_DGRAM, "127.0.0.1", &b_address);
  auto body = [&]() -> Coro<std::vector<std::string>> {
    Coro<void> ca = loop_->sock_connect(a, b_address);
    co_await std::move(ca);
    Coro<void> cb = loop_->sock_connect(b, a_address);
    co_await std::move(cb);
    Task<std::string> first = loop_->create_task(loop_->sock_recv(b, 100));
    co_await sleep(0);
    Coro<void> s1 = loop_->sock_sendall(a, "ping");
    co_await std::move(s1);
    Coro<void> s2 = loop_->sock_sendall(a, "pong");
    co_await std::move(s2);
    std::vector<std::string> got;
    got.push_back(co_await first);
    got.push_back(co_await loop_->sock_recv(b, 100));  // one datagram per recv
    co_return got;
  };
  EXPECT_EQ(run(body()), (std::vector<std::string>{"ping", "pong"}));
}

TEST_P(SockMethodsTest, ConnectionRefusedRaisesConnectionRefusedError) {
  SockAddr address;
  const int unused = open_socket(AF_INET, SOCK_STREAM);
  ASSERT_TRUE(ops().bind(unused, *SockAddr::ip("127.0.0.1", 0)).ok());  // bound, never listening
  address = *ops().getsockname(unused);
  const int client = open_socket(AF_INET, SOCK_STREAM);
  auto body = [&]() -> Coro<void> {
    Coro<void> connecting = loop_->sock_connect(client, address);
    co_await std::move(connecting);
  };
  try {
    run(body());
    FAIL() << "connect to a port nobody listens on succeeded";
  } catch (const ConnectionRefusedError& e) {
    EXPECT_EQ(e.error_number(), ECONNREFUSED);
    // python3: ConnectionRefusedError: [Errno 111] Connect call failed ('127.0.0.1', <port>)
    EXPECT_EQ(e.message(), "[Errno 111] Connect call failed " + address.to_string());
  }
}

TEST_P(SockMethodsTest, ConnectionRefusedIsAConnectionErrorAndAnOSError) {
  SockAddr address;
  const int unused = open_socket(AF_INET, SOCK_STREAM);
  ASSERT_TRUE(ops().bind(unused, *SockAddr::ip("127.0.0.1", 0)).ok());
  address = *ops().getsockname(unused);
  const int client = open_socket(AF_INET, SOCK_STREAM);
  auto body = [&]() -> Coro<std::string> {
    std::string caught;
    try {
      Coro<void> connecting = loop_->sock_connect(client, address);
      co_await std::move(connecting);
    } catch (const ConnectionError& e) {
      caught = e.type_name();
    }
    co_return caught;
  };
  EXPECT_EQ(run(body()), "ConnectionRefusedError");
}

TEST_P(SockMethodsTest, SockAcceptTakesSeveralClientsEachWithItsAddress) {
  constexpr int kClients = 5;
  SockAddr address;
  const int server = bound_socket(AF_INET, SOCK_STREAM, "127.0.0.1", &address);
  std::vector<int> clients;
  for (int i = 0; i < kClients; ++i) clients.push_back(open_socket(AF_INET, SOCK_STREAM));
  auto body = [&]() -> Coro<std::vector<std::string>> {
    // The server waits in sock_accept before any client connects.
    Task<Accepted> first = loop_->create_task(loop_->sock_accept(server));
    co_await sleep(0);
    EXPECT_FALSE(first.done());
    for (int fd : clients) {
      Coro<void> connecting = loop_->sock_connect(fd, address);
      co_await std::move(connecting);
    }
    std::vector<Accepted> accepted;
    accepted.push_back(co_await first);
    for (int i = 1; i < kClients; ++i) accepted.push_back(co_await loop_->sock_accept(server));
    std::vector<std::string> peers;
    for (const Accepted& a : accepted) {
      own(a.fd);
      peers.push_back(a.address.to_string());
    }
    co_return peers;
  };
  std::vector<std::string> peers = run(body());
  std::vector<std::string> expected;
  for (int fd : clients) expected.push_back(ops().getsockname(fd)->to_string());
  std::sort(peers.begin(), peers.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(peers, expected);
}

TEST_P(SockMethodsTest, CancelledSockRecvLeavesNoReaderRegistered) {
  const auto [a, b] = socket_pair();
  auto body = [&]() -> Coro<bool> {
    Task<std::string> reading = loop_->create_task(loop_->sock_recv(a, 10));
    co_await sleep(0);  // now waiting for readability
    reading.cancel();
    co_await sleep(0);  // the task sees CancelledError
    co_await sleep(0);  // the future's done callback stops the watch
    EXPECT_TRUE(reading.cancelled());
    co_return loop_->remove_reader(a);
  };
  EXPECT_FALSE(run(body())) << "a reader was still registered";
}

// python3: t = ensure_future(loop.sock_recv(a, 10)); await sleep(0)
//          t.cancel(); a.close()  -> nothing reported
TEST_P(SockMethodsTest, ClosingTheSocketRightAfterCancellingSockRecvReportsNothing) {
  const auto [a, b] = socket_pair();
  std::vector<std::string> reported;
  loop_->set_exception_handler([&](EventLoop&, const ExceptionContext& context) {
    reported.push_back(context.message);
  });
  auto body = [&]() -> Coro<void> {
    Task<std::string> reading = loop_->create_task(loop_->sock_recv(a, 10));
    co_await sleep(0);
    reading.cancel();
    close_socket(a);  // before the future's done callback stops the watch
    co_await sleep(0);
    co_await sleep(0);
    EXPECT_TRUE(reading.cancelled());
  };
  run(body());
  EXPECT_TRUE(reported.empty()) << reported.front();
}

TEST_P(SockMethodsTest, SockRecvIntoWaitsForDataAndFillsTheBuffer) {
  const auto [a, b] = socket_pair();
  auto body = [&]() -> Coro<std::string> {
    std::vector<char> buffer(16);
    Task<size_t> reading = loop_->create_task(loop_->sock_recv_into(a, absl::MakeSpan(buffer)));
    co_await sleep(0);
    EXPECT_FALSE(reading.done());  // nothing to read yet: waiting for readability
    Coro<void> sending = loop_->sock_sendall(b, "later");
    co_await std::move(sending);
    size_t n = co_await reading;
    co_return std::string(buffer.data(), n);
  };
  EXPECT_EQ(run(body()), "later");
}

TEST_P(SockMethodsTest, CancelledSockSendallLeavesNoWriterRegistered) {
  const auto [a, b] = socket_pair();
  auto body = [&]() -> Coro<bool> {
    // Nobody reads b: the data cannot all fit in the socket buffers.
    Task<void> sending = loop_->create_task(loop_->sock_sendall(a, std::string(8 << 20, 'x')));
    co_await sleep(0);
    EXPECT_FALSE(sending.done());
    sending.cancel();
    co_await sleep(0);
    co_await sleep(0);
    EXPECT_TRUE(sending.cancelled());
    co_return loop_->remove_writer(a);
  };
  EXPECT_FALSE(run(body())) << "a writer was still registered";
}

TEST_P(SockMethodsTest, SockSendallOfMoreThanTheSocketBufferSendsEverything) {
  constexpr size_t kBytes = 4 << 20;  // far beyond the loopback socket buffers
  SockAddr address;
  const int server = bound_socket(AF_INET, SOCK_STREAM, "127.0.0.1", &address);
  const int client = open_socket(AF_INET, SOCK_STREAM);
  auto body = [&]() -> Coro<size_t> {
    Coro<void> connecting = loop_->sock_connect(client, address);
    co_await std::move(connecting);
    Accepted conn = co_await loop_->sock_accept(server);
    own(conn.fd);
    std::string data(kBytes, 'x');
    Task<void> sending = loop_->create_task(loop_->sock_sendall(client, data));
    size_t received = 0;
    for (int reads = 0; received < kBytes && reads < 100'000; ++reads) {
      std::string chunk = co_await loop_->sock_recv(conn.fd, 65536);
      if (chunk.empty()) break;
      received += chunk.size();
    }
    co_await sending;
    co_return received;
  };
  EXPECT_EQ(run(body()), kBytes);
}

TEST_P(SockMethodsTest, SockRecvAtEndOfStreamReturnsEmpty) {
  const auto [a, b] = socket_pair();
  auto body = [&]() -> Coro<std::string> {
    Task<std::string> reading = loop_->create_task(loop_->sock_recv(a, 10));
    co_await sleep(0);
    EXPECT_TRUE(ops().shutdown(b, SHUT_WR).ok());
    std::string got = co_await reading;
    co_return got;
  };
  EXPECT_EQ(run(body()), "");
}

TEST_P(SockMethodsTest, BlockingSocketInDebugModeRaisesValueError) {
  loop_->set_debug(true);
  absl::StatusOr<int> fd = ops().socket(AF_INET, SOCK_STREAM, 0);  // blocking
  ASSERT_TRUE(fd.ok());
  own(*fd);
  auto body = [&]() -> Coro<std::string> { co_return co_await loop_->sock_recv(*fd, 1); };
  try {
    run(body());
    FAIL() << "sock_recv accepted a blocking socket in debug mode";
  } catch (const ValueError& e) {
    EXPECT_EQ(e.message(), "the socket must be non-blocking");  // selector_events.py
  }
}

TEST_P(SockMethodsTest, SockSendallToAClosedPeerRaisesBrokenPipeError) {
  const auto [a, b] = socket_pair();
  close_socket(b);
  auto body = [&]() -> Coro<void> {
    Coro<void> sending = loop_->sock_sendall(a, "x");
    co_await std::move(sending);
  };
  try {
    run(body());
    FAIL() << "send to a closed peer succeeded";
  } catch (const BrokenPipeError& e) {
    EXPECT_EQ(e.message(), "[Errno 32] Broken pipe");
  }
}

}  // namespace
}  // namespace seedloop::testing
