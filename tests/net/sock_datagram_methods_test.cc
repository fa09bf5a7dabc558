// loop.sock_sendto / sock_recvfrom / sock_recvfrom_into (new in CPython
// 3.11) on unconnected UDP sockets over loopback, on every production
// poller, against selector_events.py's behaviour.

#include <netinet/in.h>
#include <sys/socket.h>

#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "loop/aio/sleep.h"
#include "loop/errors.h"
#include "loop/event_loop.h"
#include "tests/net/net_fixture.h"
#include "tests/net/would_block_socket_ops.h"

namespace seedloop::testing {
namespace {

class SockDatagramMethodsTest : public NetTest {};
INSTANTIATE_TEST_SUITE_P(AllPollers, SockDatagramMethodsTest, kAllPollers, poller_name);

TEST_P(SockDatagramMethodsTest, RecvfromWaitsForADatagramAndNamesItsSender) {
  SockAddr a_address, b_address;
  const int a = bound_socket(AF_INET, SOCK_DGRAM, "127.0.0.1", &a_address);
  const int b = bound_socket(AF_INET, SOCK_DGRAM, "127.0.0.1", &b_address);
  auto body = [&]() -> Coro<std::pair<std::string, SockAddr>> {
    // The receiver waits before anything is sent.
    Task<std::pair<std::string, SockAddr>> receiving = loop_->create_task(loop_->sock_recvfrom(b, 100));
    co_await sleep(0);
    EXPECT_FALSE(receiving.done());
    Coro<size_t> sending = loop_->sock_sendto(a, "ping", b_address);
    size_t sent = co_await std::move(sending);
    EXPECT_EQ(sent, 4u);
    std::pair<std::string, SockAddr> got = co_await receiving;
    co_return got;
  };
  std::pair<std::string, SockAddr> got = run(body());
  EXPECT_EQ(got.first, "ping");
  EXPECT_EQ(got.second, a_address);
}

TEST_P(SockDatagramMethodsTest, RecvfromTruncatesADatagramToBufsize) {
  SockAddr a_address, b_address;
  const int a = bound_socket(AF_INET, SOCK_DGRAM, "127.0.0.1", &a_address);
  const int b = bound_socket(AF_INET, SOCK_DGRAM, "127.0.0.1", &b_address);
  auto body = [&]() -> Coro<std::vector<std::string>> {
    Coro<size_t> s1 = loop_->sock_sendto(a, "0123456789", b_address);
    co_await std::move(s1);
    Coro<size_t> s2 = loop_->sock_sendto(a, "next", b_address);
    co_await std::move(s2);
    // Like socket.recvfrom(4): the rest of the first datagram is lost.
    Coro<std::pair<std::string, SockAddr>> r1 = loop_->sock_recvfrom(b, 4);
    std::pair<std::string, SockAddr> first = co_await std::move(r1);
    Coro<std::pair<std::string, SockAddr>> r2 = loop_->sock_recvfrom(b, 100);
    std::pair<std::string, SockAddr> second = co_await std::move(r2);
    co_return std::vector<std::string>{first.first, second.first};
  };
  EXPECT_EQ(run(body()), (std::vector<std::string>{"0123", "next"}));
}

TEST_P(SockDatagramMethodsTest, RecvfromIntoFillsAtMostNbytesOfTheBuffer) {
  SockAddr a_address, b_address;
  const int a = bound_socket(AF_INET, SOCK_DGRAM, "127.0.0.1", &a_address);
  const int b = bound_socket(AF_INET, SOCK_DGRAM, "127.0.0.1", &b_address);
  std::string buffer(10, '.');
  auto body = [&]() -> Coro<std::pair<size_t, SockAddr>> {
    Task<std::pair<size_t, SockAddr>> receiving =
        loop_->create_task(loop_->sock_recvfrom_into(b, absl::MakeSpan(buffer), 6));
    co_await sleep(0);
    Coro<size_t> sending = loop_->sock_sendto(a, "abcdefghij", b_address);
    co_await std::move(sending);
    std::pair<size_t, SockAddr> got = co_await receiving;
    co_return got;
  };
  std::pair<size_t, SockAddr> got = run(body());
  EXPECT_EQ(got.first, 6u);
  EXPECT_EQ(buffer, "abcdef....");
  EXPECT_EQ(got.second, a_address);
}

TEST_P(SockDatagramMethodsTest, RecvfromIntoNbytesOverTheBufferIsValueError) {
  SockAddr address;
  const int b = bound_socket(AF_INET, SOCK_DGRAM, "127.0.0.1", &address);
  std::string buffer(4, '.');
  auto body = [&]() -> Coro<std::string> {
    try {
      Coro<std::pair<size_t, SockAddr>> receiving = loop_->sock_recvfrom_into(b, absl::MakeSpan(buffer), 8);
      co_await std::move(receiving);
    } catch (const ValueError& e) {
      co_return e.what();
    }
    co_return "(no error)";
  };
  EXPECT_EQ(run(body()), "nbytes is greater than the length of the buffer");
}

TEST_P(SockDatagramMethodsTest, SendtoOverIpv6Loopback) {
  SockAddr a_address, b_address;
  const int a = bound_socket(AF_INET6, SOCK_DGRAM, "::1", &a_address);
  const int b = bound_socket(AF_INET6, SOCK_DGRAM, "::1", &b_address);
  auto body = [&]() -> Coro<std::pair<std::string, SockAddr>> {
    Coro<size_t> sending = loop_->sock_sendto(a, "six", b_address);
    co_await std::move(sending);
    Coro<std::pair<std::string, SockAddr>> receiving = loop_->sock_recvfrom(b, 100);
    std::pair<std::string, SockAddr> got = co_await std::move(receiving);
    co_return got;
  };
  std::pair<std::string, SockAddr> got = run(body());
  EXPECT_EQ(got.first, "six");
  EXPECT_EQ(got.second.host(), "::1");
  EXPECT_EQ(got.second.port(), a_address.port());
}

// The socket is full at first: sock_sendto waits for writability and
// retries (selector_events._sock_sendto), sending the datagram once.
TEST_P(SockDatagramMethodsTest, SendtoThatWouldBlockIsRetriedWhenWritable) {
  WouldBlockSocketOps* refusing = nullptr;
  std::shared_ptr<EventLoop> loop = loop_refusing_sends(GetParam(), /*refusals=*/2, &refusing);
  SockAddr a_address, b_address;
  const int a = bound_socket(AF_INET, SOCK_DGRAM, "127.0.0.1", &a_address);
  const int b = bound_socket(AF_INET, SOCK_DGRAM, "127.0.0.1", &b_address);
  auto body = [&]() -> Coro<std::string> {
    Coro<size_t> sending = loop->sock_sendto(a, "late", b_address);
    size_t sent = co_await std::move(sending);
    EXPECT_EQ(sent, 4u);
    Coro<std::pair<std::string, SockAddr>> receiving = loop->sock_recvfrom(b, 100);
    std::pair<std::string, SockAddr> got = co_await std::move(receiving);
    co_return got.first;
  };
  loop->call_later(10.0, [&] { loop->stop(); });  // bound
  EXPECT_EQ(loop->run_until_complete(body()), "late");
  EXPECT_EQ(refusing->refused(), 2);
  loop->close();
}

}  // namespace
}  // namespace seedloop::testing
