// AF_UNIX forms on every production poller, against CPython 3.11 (checked
// with python3): create_unix_server's removal of a stale socket file (and
// nothing else), the file left in place at close, sock=; AF_UNIX datagram
// endpoints with local and remote paths.

#include <sys/socket.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "loop/aio/sleep.h"
#include "loop/net/datagram_transport.h"
#include "loop/net/protocols.h"
#include "loop/net/server.h"
#include "tests/net/forms_fixture.h"
#include "tests/net/recording_protocol.h"

namespace seedloop::testing {
namespace {

namespace fs = std::filesystem;

class Datagrams : public DatagramProtocol {
 public:
  void connection_made(std::shared_ptr<DatagramTransport> t) override { transport = std::move(t); }
  void datagram_received(std::string_view data, const SockAddr&) override { received.emplace_back(data); }
  std::shared_ptr<DatagramTransport> transport;
  std::vector<std::string> received;
};

class UnixFormsTest : public FormsTest {
 protected:
  static ProtocolFactory echo() {
    return [] { return std::make_shared<EchoProtocol>(); };
  }
  // Leaves a socket file at `path`, as a server that died would.
  void leave_socket_file(const std::string& path, int type) {
    absl::StatusOr<int> fd = ops().socket(AF_UNIX, type, 0);
    ASSERT_TRUE(fd.ok());
    ASSERT_TRUE(ops().bind(*fd, *SockAddr::unix_path(path)).ok());
    ASSERT_TRUE(ops().close(*fd).ok());
    ASSERT_TRUE(fs::is_socket(path));
  }
  Coro<std::string> ping(std::string path) {
    const int fd = open_socket(AF_UNIX, SOCK_STREAM);
    Coro<void> connecting = loop_->sock_connect(fd, *SockAddr::unix_path(path));
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
  std::shared_ptr<Datagrams> endpoint(DatagramEndpointOptions options) {
    auto proto = std::make_shared<Datagrams>();
    options.family = AF_UNIX;
    run(loop_->create_datagram_endpoint([proto] { return proto; }, std::move(options)));
    return proto;
  }
  // Closes an endpoint's transport and lets connection_lost run.
  void close_endpoint(Datagrams& proto) {
    proto.transport->close();
    run(sleep(0));
  }
};
INSTANTIATE_TEST_SUITE_P(AllPollers, UnixFormsTest, kAllPollers, poller_name);

TEST_P(UnixFormsTest, AStaleSocketFileIsRemovedBeforeBinding) {
  const std::string path = temp_path("stale.sock");
  leave_socket_file(path, SOCK_STREAM);
  std::shared_ptr<Server> server = run(loop_->create_unix_server(echo(), path));
  EXPECT_EQ(run(ping(path)), "ping");
  run(stop(server));
}

TEST_P(UnixFormsTest, ALiveServersSocketFileIsReplacedToo) {
  const std::string path = temp_path("live.sock");
  std::shared_ptr<Server> first = run(loop_->create_unix_server(echo(), path));
  std::shared_ptr<Server> second = run(loop_->create_unix_server(echo(), path));
  EXPECT_EQ(run(ping(path)), "ping");
  run(stop(first));
  run(stop(second));
}

TEST_P(UnixFormsTest, ARegularFileAtThePathIsKeptAndTheAddressIsInUse) {
  const std::string path = temp_path("regular");
  std::ofstream(path) << "keep me";
  EXPECT_EQ(raised_by(loop_->create_unix_server(echo(), path)),
            "OSError: [Errno 98] Address '" + path + "' is already in use");
  EXPECT_TRUE(fs::is_regular_file(path));
}

TEST_P(UnixFormsTest, ClosingTheServerLeavesTheSocketFile) {
  const std::string path = temp_path("kept.sock");
  std::shared_ptr<Server> server = run(loop_->create_unix_server(echo(), path));
  run(stop(server));
  EXPECT_TRUE(fs::is_socket(path));  // 3.11 has no cleanup_socket
}

TEST_P(UnixFormsTest, SockServesOnABoundUnixSocket) {
  const std::string path = temp_path("given.sock");
  absl::StatusOr<int> fd = ops().socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_TRUE(fd.ok());
  ASSERT_TRUE(ops().bind(*fd, *SockAddr::unix_path(path)).ok());
  std::shared_ptr<Server> server = run(loop_->create_unix_server(echo(), "", {.sock = *fd}));
  EXPECT_EQ(run(ping(path)), "ping");
  run(stop(server));
}

TEST_P(UnixFormsTest, SockFormErrorsHaveCPythonsTexts) {
  const int tcp = open_socket(AF_INET, SOCK_STREAM);
  EXPECT_EQ(raised_by(loop_->create_unix_server(echo(), "")),
            "ValueError: path was not specified, and no sock specified");
  EXPECT_EQ(raised_by(loop_->create_unix_server(echo(), temp_path("x.sock"), {.sock = tcp})),
            "ValueError: path and sock can not be specified at the same time");
  ASSERT_TRUE(ops().bind(tcp, *SockAddr::ip("127.0.0.1", 0)).ok());
  EXPECT_EQ(raised_by(loop_->create_unix_server(echo(), "", {.sock = tcp})),
            "ValueError: A UNIX Domain Stream Socket was expected, got <socket fd=" + std::to_string(tcp) + ">");
}

TEST_P(UnixFormsTest, DatagramEndpointsTalkOverSocketPaths) {
  const std::string path = temp_path("dgram.sock");
  std::shared_ptr<Datagrams> server = endpoint({.local_path = path});
  std::shared_ptr<Datagrams> client = endpoint({.remote_path = path});
  EXPECT_EQ(std::get<SockAddr>(client->transport->get_extra_info("peername")).to_string(), path);
  client->transport->sendto("hello");
  for (int i = 0; i < 1000 && server->received.empty(); ++i) run(sleep(0.001));
  EXPECT_EQ(server->received, std::vector<std::string>{"hello"});
  close_endpoint(*client);
  close_endpoint(*server);
}

TEST_P(UnixFormsTest, ADatagramEndpointRemovesAStaleSocketFileAtItsLocalPath) {
  const std::string path = temp_path("stale-dgram.sock");
  leave_socket_file(path, SOCK_DGRAM);
  std::shared_ptr<Datagrams> server = endpoint({.local_path = path});
  EXPECT_EQ(std::get<SockAddr>(server->transport->get_extra_info("sockname")).to_string(), path);
  close_endpoint(*server);
}

TEST_P(UnixFormsTest, ADatagramEndpointToNoSocketRaisesFileNotFound) {
  auto proto = std::make_shared<Datagrams>();
  EXPECT_EQ(raised_by(loop_->create_datagram_endpoint(
                [proto] { return proto; }, {.family = AF_UNIX, .remote_path = temp_path("nobody.sock")})),
            "FileNotFoundError: [Errno 2] No such file or directory");
}

TEST_P(UnixFormsTest, DatagramAddressFormsMustMatchTheFamily) {
  auto proto = std::make_shared<Datagrams>();
  EXPECT_EQ(raised_by(loop_->create_datagram_endpoint(
                [proto] { return proto; }, {.remote_addr = HostPort{"a", 1}, .family = AF_UNIX})),
            "TypeError: string is expected");
  EXPECT_EQ(raised_by(loop_->create_datagram_endpoint([proto] { return proto; }, {.local_path = "/tmp/x"})),
            "TypeError: 2-tuple is expected");
}

}  // namespace
}  // namespace seedloop::testing
