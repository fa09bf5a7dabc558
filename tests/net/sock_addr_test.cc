// SockAddr: parsing numeric addresses and Python's str() of address tuples.

#include "loop/sock_addr.h"

#include "gtest/gtest.h"

namespace seedloop {
namespace {

TEST(SockAddrTest, Ipv4FormatsAsPythonsTuple) {
  absl::StatusOr<SockAddr> a = SockAddr::ip("127.0.0.1", 8080);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->family(), AF_INET);
  EXPECT_EQ(a->port(), 8080);
  EXPECT_EQ(a->host(), "127.0.0.1");
  EXPECT_EQ(a->to_string(), "('127.0.0.1', 8080)");
}

TEST(SockAddrTest, Ipv6FormatsWithFlowinfoAndScopeId) {
  absl::StatusOr<SockAddr> a = SockAddr::ip("::1", 8080);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->family(), AF_INET6);
  EXPECT_EQ(a->to_string(), "('::1', 8080, 0, 0)");  // python3: sock.getsockname() on ::1
}

TEST(SockAddrTest, UnixPathFormatsAsThePath) {
  absl::StatusOr<SockAddr> a = SockAddr::unix_path("/tmp/seedloop.sock");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->family(), AF_UNIX);
  EXPECT_EQ(a->port(), -1);
  EXPECT_EQ(a->to_string(), "/tmp/seedloop.sock");
}

TEST(SockAddrTest, NamesAndBadPortsAreRejected) {
  EXPECT_EQ(SockAddr::ip("localhost", 80).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SockAddr::ip("127.0.0.1", 65536).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SockAddr::ip("127.0.0.1", -1).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SockAddr::unix_path(std::string(200, 'x')).status().message(), "AF_UNIX path too long");
}

TEST(SockAddrTest, EqualAddressesCompareEqual) {
  EXPECT_EQ(*SockAddr::ip("127.0.0.1", 1), *SockAddr::ip("127.0.0.1", 1));
  EXPECT_FALSE(*SockAddr::ip("127.0.0.1", 1) == *SockAddr::ip("127.0.0.1", 2));
  EXPECT_EQ(SockAddr().family(), AF_UNSPEC);
}

}  // namespace
}  // namespace seedloop
