// Datagram endpoint options and the datagram transport's write buffer, on
// loopback: allow_broadcast, reuse_port, and sendto when the socket would
// block (buffered, pause_writing / resume_writing, sent in order once
// writable), against CPython 3.11's _SelectorDatagramTransport.
//
// Loopback UDP practically never reports EAGAIN, so the blocking case uses
// a SocketOps that refuses the first sends with EAGAIN and then behaves as
// the real one: the seam the transport is written against, not a mock of
// the transport.

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
#include "loop/real/selectors.h"
#include "tests/net/net_fixture.h"
#include "tests/net/would_block_socket_ops.h"

namespace seedloop::testing {
namespace {

// Records datagrams and the flow-control calls, in order.
class Recorder : public DatagramProtocol {
 public:
  void connection_made(std::shared_ptr<DatagramTransport> t) override { transport = std::move(t); }
  void datagram_received(std::string_view data, const SockAddr&) override { received.emplace_back(data); }
  void error_received(std::exception_ptr exception) override { errors.push_back(exception); }
  void pause_writing() override { flow.push_back("pause_writing"); }
  void resume_writing() override { flow.push_back("resume_writing"); }

  std::shared_ptr<DatagramTransport> transport;
  std::vector<std::string> received;
  std::vector<std::exception_ptr> errors;
  std::vector<std::string> flow;
};

class DatagramOptionsTest : public NetTest {
 protected:
  Coro<std::shared_ptr<Recorder>> endpoint(DatagramEndpointOptions options) {
    auto proto = std::make_shared<Recorder>();
    Coro<DatagramTransportAndProtocol> making =
        loop_->create_datagram_endpoint([proto] { return proto; }, std::move(options));
    co_await std::move(making);
    co_return proto;
  }
  static DatagramEndpointOptions local(int port, bool reuse_port = false) {
    DatagramEndpointOptions options;
    options.local_addr = HostPort{"127.0.0.1", port};
    options.reuse_port = reuse_port;
    return options;
  }
  int sockopt(const DatagramTransport& t, int name) {
    return *ops().getsockopt(std::get<int>(t.get_extra_info("socket")), SOL_SOCKET, name);
  }
  static int port_of(const DatagramTransport& t) { return std::get<SockAddr>(t.get_extra_info("sockname")).port(); }
};
INSTANTIATE_TEST_SUITE_P(AllPollers, DatagramOptionsTest, kAllPollers, poller_name);

TEST_P(DatagramOptionsTest, AllowBroadcastSetsSoBroadcastOnTheSocket) {
  run([&]() -> Coro<void> {
    DatagramEndpointOptions broadcasting = local(0);
    broadcasting.allow_broadcast = true;
    std::shared_ptr<Recorder> with = co_await endpoint(std::move(broadcasting));
    std::shared_ptr<Recorder> without = co_await endpoint(local(0));
    EXPECT_EQ(sockopt(*with->transport, SO_BROADCAST), 1);
    EXPECT_EQ(sockopt(*without->transport, SO_BROADCAST), 0);
    with->transport->close();
    without->transport->close();
    co_await sleep(0);
  }());
}

TEST_P(DatagramOptionsTest, ReusePortLetsTwoEndpointsBindOnePort) {
  run([&]() -> Coro<void> {
    std::shared_ptr<Recorder> first = co_await endpoint(local(0, /*reuse_port=*/true));
    const int port = port_of(*first->transport);
    std::shared_ptr<Recorder> second = co_await endpoint(local(port, /*reuse_port=*/true));
    EXPECT_EQ(port_of(*second->transport), port);
    EXPECT_EQ(sockopt(*second->transport, SO_REUSEPORT), 1);
    first->transport->close();
    second->transport->close();
    co_await sleep(0);
  }());
}

TEST_P(DatagramOptionsTest, WithoutReusePortTheSecondBindIsAddressInUse) {
  run([&]() -> Coro<void> {
    std::shared_ptr<Recorder> first = co_await endpoint(local(0));
    const int port = port_of(*first->transport);
    std::string error = "(no error)";
    try {
      Coro<std::shared_ptr<Recorder>> second = endpoint(local(port));
      co_await std::move(second);
    } catch (const OSError& e) {
      error = e.what();
    }
    // CPython 3.11: OSError(98, 'Address already in use') from sock.bind.
    EXPECT_EQ(error, "[Errno 98] Address already in use");
    first->transport->close();
    co_await sleep(0);
  }());
}

TEST_P(DatagramOptionsTest, SendtoThatWouldBlockIsBufferedThenSentInOrder) {
  constexpr int kDatagrams = 10;
  WouldBlockSocketOps* refusing = nullptr;
  std::shared_ptr<EventLoop> loop = loop_refusing_sends(GetParam(), /*refusals=*/3, &refusing);
  auto server = std::make_shared<Recorder>();
  auto client = std::make_shared<Recorder>();
  std::vector<size_t> buffered;  // get_write_buffer_size() after each sendto
  auto body = [&]() -> Coro<void> {
    Coro<DatagramTransportAndProtocol> serving =
        loop->create_datagram_endpoint([server] { return server; }, local(0));
    co_await std::move(serving);
    DatagramEndpointOptions to_server;
    to_server.remote_addr = HostPort{"127.0.0.1", port_of(*server->transport)};
    Coro<DatagramTransportAndProtocol> connecting =
        loop->create_datagram_endpoint([client] { return client; }, std::move(to_server));
    co_await std::move(connecting);
    // 7 bytes each; high water 20: the third buffered datagram (21) pauses.
    client->transport->set_write_buffer_limits(20, 8);
    for (int i = 0; i < kDatagrams; ++i) {
      client->transport->sendto("gram " + std::to_string(i) + "!");
      buffered.push_back(client->transport->get_write_buffer_size());
    }
    for (int i = 0; i < 5000 && server->received.size() < kDatagrams; ++i) {
      Coro<void> pause = sleep(0.001);
      co_await std::move(pause);
    }
    client->transport->close();
    server->transport->close();
    co_await sleep(0);
  };
  loop->call_later(10.0, [&] { loop->stop(); });  // bound
  loop->run_until_complete(body());
  loop->close();

  // The first sendto met EAGAIN, so it and every later one queued behind
  // it until the socket was writable (CPython: `if not self._buffer:` try
  // to send at once, else append).
  EXPECT_EQ(buffered, (std::vector<size_t>{7, 14, 21, 28, 35, 42, 49, 56, 63, 70}));
  EXPECT_EQ(client->flow, (std::vector<std::string>{"pause_writing", "resume_writing"}));
  std::vector<std::string> expected;
  for (int i = 0; i < kDatagrams; ++i) expected.push_back("gram " + std::to_string(i) + "!");
  EXPECT_EQ(server->received, expected);
  EXPECT_TRUE(client->errors.empty());
  EXPECT_EQ(refusing->refused(), 3);  // the first and two retries when writable
}

}  // namespace
}  // namespace seedloop::testing
