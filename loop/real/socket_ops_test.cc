// RealSocketOps: the socket system calls behind the SocketOps seam, on
// loopback only.

#include "loop/real/socket_ops.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <string>

#include "gtest/gtest.h"

namespace seedloop::real {
namespace {

class SocketOpsTest : public ::testing::Test {
 protected:
  ~SocketOpsTest() override {
    for (int fd : fds_) (void)ops_.close(fd);
  }
  int make(int family, int type) {
    absl::StatusOr<int> fd = ops_.socket(family, type, 0);
    EXPECT_TRUE(fd.ok()) << fd.status();
    fds_.push_back(*fd);
    return *fd;
  }
  // A listening TCP socket on 127.0.0.1 and its address.
  int listener(SockAddr* address) {
    const int fd = make(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
    EXPECT_TRUE(ops_.bind(fd, *SockAddr::ip("127.0.0.1", 0)).ok());
    EXPECT_TRUE(ops_.listen(fd, 8).ok());
    *address = *ops_.getsockname(fd);
    return fd;
  }
  RealSocketOps ops_;
  std::vector<int> fds_;
};

TEST_F(SocketOpsTest, NewSocketsAreCloseOnExec) {
  const int fd = make(AF_INET, SOCK_STREAM);
  EXPECT_NE(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
  EXPECT_EQ(*ops_.get_blocking(fd), Blocking::kBlocking);
  ASSERT_TRUE(ops_.set_blocking(fd, Blocking::kNonBlocking).ok());
  EXPECT_EQ(*ops_.get_blocking(fd), Blocking::kNonBlocking);
}

TEST_F(SocketOpsTest, AcceptWithNothingPendingFailsWithEagain) {
  SockAddr address;
  const int server = listener(&address);
  absl::StatusOr<Accepted> accepted = ops_.accept(server);
  ASSERT_FALSE(accepted.ok());
  EXPECT_EQ(errno_of(accepted.status()), EAGAIN);
}

TEST_F(SocketOpsTest, AcceptedSocketIsNonBlockingCloseOnExecAndNamesThePeer) {
  SockAddr address;
  const int server = listener(&address);
  const int client = make(AF_INET, SOCK_STREAM);
  ASSERT_TRUE(ops_.connect(client, address).ok());  // blocking connect on loopback
  absl::StatusOr<Accepted> accepted = ops_.accept(server);
  ASSERT_TRUE(accepted.ok()) << accepted.status();
  fds_.push_back(accepted->fd);
  EXPECT_EQ(*ops_.get_blocking(accepted->fd), Blocking::kNonBlocking);
  EXPECT_NE(fcntl(accepted->fd, F_GETFD) & FD_CLOEXEC, 0);
  EXPECT_EQ(accepted->address, *ops_.getsockname(client));
  EXPECT_EQ(*ops_.getpeername(client), address);
}

TEST_F(SocketOpsTest, NonBlockingConnectReportsInProgressOrSuccess) {
  SockAddr address;
  listener(&address);
  const int client = make(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
  absl::Status status = ops_.connect(client, address);
  if (!status.ok()) {
    EXPECT_EQ(errno_of(status), EINPROGRESS) << status;
  }
}

TEST_F(SocketOpsTest, SendToAClosedPeerIsEpipeNotSigpipe) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  fds_.push_back(sv[0]);
  ASSERT_TRUE(ops_.close(sv[1]).ok());
  absl::StatusOr<size_t> sent = ops_.send(sv[0], absl::MakeConstSpan("x", 1));
  ASSERT_FALSE(sent.ok());  // the process is still alive: no SIGPIPE
  EXPECT_EQ(errno_of(sent.status()), EPIPE);
}

TEST_F(SocketOpsTest, ErrorsNameTheCallAndCarryTheErrno) {
  absl::StatusOr<size_t> got = ops_.recv(-1, absl::Span<char>());
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(errno_of(got.status()), EBADF);
  EXPECT_EQ(got.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(std::string(got.status().message()).find("recv(fd -1)"), std::string::npos) << got.status();
}

TEST_F(SocketOpsTest, IntegerOptionsRoundTrip) {
  const int fd = make(AF_INET, SOCK_STREAM);
  ASSERT_TRUE(ops_.setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, 1).ok());
  EXPECT_NE(*ops_.getsockopt(fd, IPPROTO_TCP, TCP_NODELAY), 0);
  EXPECT_EQ(*ops_.getsockopt(fd, SOL_SOCKET, SO_ERROR), 0);
}

TEST_F(SocketOpsTest, GetaddrinfoFailureCarriesTheGaiCode) {
  absl::StatusOr<std::vector<AddrInfo>> found = ops_.getaddrinfo("not a host", "x y", AddrInfoHints{});
  ASSERT_FALSE(found.ok());
  ASSERT_TRUE(gai_error_of(found.status()).has_value()) << found.status();
  EXPECT_LT(*gai_error_of(found.status()), 0);
}

TEST_F(SocketOpsTest, NumericGetaddrinfoAndGetnameinfoRoundTrip) {
  AddrInfoHints hints;
  hints.type = SOCK_STREAM;
  hints.flags = AI_NUMERICHOST | AI_NUMERICSERV;
  absl::StatusOr<std::vector<AddrInfo>> found = ops_.getaddrinfo("127.0.0.1", "8080", hints);
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].address.to_string(), "('127.0.0.1', 8080)");
  absl::StatusOr<NameInfo> name = ops_.getnameinfo((*found)[0].address, NI_NUMERICHOST | NI_NUMERICSERV);
  ASSERT_TRUE(name.ok()) << name.status();
  EXPECT_EQ(name->host, "127.0.0.1");
  EXPECT_EQ(name->port, "8080");
}

}  // namespace
}  // namespace seedloop::real
