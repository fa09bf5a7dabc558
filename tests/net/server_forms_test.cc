// create_server's other forms on every production poller, against CPython
// 3.11 (checked with python3): a list of hosts, no host (every family,
// the IPv6 socket IPv6-only), sock=, reuse_port, start_serving=False.

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "loop/net/protocols.h"
#include "loop/net/server.h"
#include "tests/net/forms_fixture.h"
#include "tests/net/recording_protocol.h"

namespace seedloop::testing {
namespace {

class ServerFormsTest : public FormsTest {
 protected:
  static ProtocolFactory echo() {
    return [] { return std::make_shared<EchoProtocol>(); };
  }
  SockAddr name_of(int fd) { return *ops().getsockname(fd); }
  // Connects to `address`, sends "ping", returns the echo.
  Coro<std::string> ping(SockAddr address) {
    const int fd = open_socket(address.family(), SOCK_STREAM);
    Coro<void> connecting = loop_->sock_connect(fd, address);
    co_await std::move(connecting);
    Coro<void> sending = loop_->sock_sendall(fd, "ping");
    co_await std::move(sending);
    Coro<std::string> receiving = receive(fd, 4);
    std::string echoed = co_await std::move(receiving);
    close_socket(fd);
    co_return echoed;
  }
  Coro<void> stop(std::shared_ptr<Server> server) {
    server->close();
    Coro<void> waiting = server->wait_closed();
    co_await std::move(waiting);
  }
};
INSTANTIATE_TEST_SUITE_P(AllPollers, ServerFormsTest, kAllPollers, poller_name);

TEST_P(ServerFormsTest, AListOfHostsGivesOneListeningSocketPerHost) {
  std::shared_ptr<Server> server =
      run(loop_->create_server(echo(), std::vector<std::string>{"127.0.0.1", "127.0.0.2"}, 0));
  ASSERT_EQ(server->sockets().size(), 2u);
  EXPECT_EQ(name_of(server->sockets()[0]).host(), "127.0.0.1");
  EXPECT_EQ(name_of(server->sockets()[1]).host(), "127.0.0.2");
  EXPECT_EQ(run(ping(name_of(server->sockets()[0]))), "ping");
  EXPECT_EQ(run(ping(name_of(server->sockets()[1]))), "ping");
  run(stop(server));
}

TEST_P(ServerFormsTest, RepeatedHostsBindOnce) {
  std::shared_ptr<Server> server =
      run(loop_->create_server(echo(), std::vector<std::string>{"127.0.0.1", "127.0.0.1"}, 0));
  EXPECT_EQ(server->sockets().size(), 1u);
  run(stop(server));
}

TEST_P(ServerFormsTest, NoHostListensOnEveryFamilyWithAnIpv6OnlySocket) {
  std::shared_ptr<Server> server = run(loop_->create_server(echo(), "", 0));
  std::vector<int> families;
  for (int fd : server->sockets()) {
    families.push_back(name_of(fd).family());
    if (name_of(fd).family() == AF_INET6) {
      EXPECT_EQ(*ops().getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY), 1);
      EXPECT_EQ(name_of(fd).host(), "::");
    } else {
      EXPECT_EQ(name_of(fd).host(), "0.0.0.0");
    }
  }
  std::sort(families.begin(), families.end());
  EXPECT_EQ(families, (std::vector<int>{AF_INET, AF_INET6}));
  run(stop(server));
}

TEST_P(ServerFormsTest, SockServesOnAnAlreadyBoundSocket) {
  absl::StatusOr<int> fd = ops().socket(AF_INET, SOCK_STREAM, 0);  // blocking: the server makes it non-blocking
  ASSERT_TRUE(fd.ok());
  ASSERT_TRUE(ops().bind(*fd, *SockAddr::ip("127.0.0.1", 0)).ok());
  std::shared_ptr<Server> server = run(loop_->create_server(echo(), "", 0, {.sock = *fd}));
  EXPECT_EQ(server->sockets(), std::vector<int>{*fd});
  EXPECT_EQ(*ops().get_blocking(*fd), Blocking::kNonBlocking);
  EXPECT_EQ(run(ping(name_of(*fd))), "ping");
  run(stop(server));  // closes the socket
}

TEST_P(ServerFormsTest, SockWithHostOrPortIsRefused) {
  const int fd = open_socket(AF_INET, SOCK_STREAM);
  EXPECT_EQ(raised_by(loop_->create_server(echo(), "127.0.0.1", 0, {.sock = fd})),
            "ValueError: host/port and sock can not be specified at the same time");
  EXPECT_EQ(raised_by(loop_->create_server(echo(), "", 8080, {.sock = fd})),
            "ValueError: host/port and sock can not be specified at the same time");
}

TEST_P(ServerFormsTest, SockOfAnotherTypeIsRefused) {
  const int fd = open_socket(AF_INET, SOCK_DGRAM);
  EXPECT_EQ(raised_by(loop_->create_server(echo(), "", 0, {.sock = fd})),
            "ValueError: A Stream Socket was expected, got <socket fd=" + std::to_string(fd) + ">");
}

TEST_P(ServerFormsTest, ReusePortLetsTwoServersShareAPort) {
  std::shared_ptr<Server> first = run(loop_->create_server(echo(), "127.0.0.1", 0, {.reuse_port = true}));
  const int port = name_of(first->sockets()[0]).port();
  std::shared_ptr<Server> second = run(loop_->create_server(echo(), "127.0.0.1", port, {.reuse_port = true}));
  EXPECT_EQ(*ops().getsockopt(second->sockets()[0], SOL_SOCKET, SO_REUSEPORT), 1);
  EXPECT_EQ(name_of(second->sockets()[0]).port(), port);
  EXPECT_EQ(run(ping(*SockAddr::ip("127.0.0.1", port))), "ping");
  run(stop(first));
  run(stop(second));
}

TEST_P(ServerFormsTest, WithoutReusePortTheSecondBindGivesCPythonsText) {
  std::shared_ptr<Server> first = run(loop_->create_server(echo(), "127.0.0.1", 0));
  const int port = name_of(first->sockets()[0]).port();
  EXPECT_EQ(raised_by(loop_->create_server(echo(), "127.0.0.1", port)),
            "OSError: [Errno 98] error while attempting to bind on address ('127.0.0.1', " + std::to_string(port) +
                "): address already in use");
  run(stop(first));
}

TEST_P(ServerFormsTest, StartServingFalseRefusesConnectionsUntilStarted) {
  std::shared_ptr<Server> server = run(loop_->create_server(echo(), "127.0.0.1", 0, {.start_serving = false}));
  EXPECT_FALSE(server->is_serving());
  const SockAddr address = name_of(server->sockets()[0]);
  EXPECT_EQ(raised_by(ping(address)),
            "ConnectionRefusedError: [Errno 111] Connect call failed " + address.to_string());
  run(server->start_serving());
  EXPECT_TRUE(server->is_serving());
  EXPECT_EQ(run(ping(address)), "ping");
  run(stop(server));
}

}  // namespace
}  // namespace seedloop::testing
