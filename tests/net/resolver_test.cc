// loop.getaddrinfo / loop.getnameinfo: run on the default executor, through
// the SocketOps seam, with socket.gaierror's errno and text on failure.
// Loopback names and numeric addresses only: no DNS.

#include <netdb.h>
#include <sys/socket.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "loop/event_loop.h"
#include "tests/net/net_fixture.h"

namespace seedloop::testing {
namespace {

class ResolverTest : public NetTest {};
INSTANTIATE_TEST_SUITE_P(Epoll, ResolverTest, ::testing::Values(PollerKind::kEpoll), poller_name);

TEST_P(ResolverTest, GetaddrinfoOfLocalhostGivesLoopbackAddresses) {
  auto body = [&]() -> Coro<std::vector<AddrInfo>> {
    AddrInfoHints hints;
    hints.type = SOCK_STREAM;
    std::vector<AddrInfo> found = co_await loop_->getaddrinfo("localhost", 8080, hints);
    co_return found;
  };
  std::vector<AddrInfo> found = run(body());
  ASSERT_FALSE(found.empty());
  for (const AddrInfo& info : found) {
    EXPECT_EQ(info.type, SOCK_STREAM);
    EXPECT_EQ(info.address.port(), 8080);
    const std::string host = info.address.host();
    EXPECT_TRUE(host == "127.0.0.1" || host == "::1") << info.address.to_string();
  }
}

TEST_P(ResolverTest, GetnameinfoAndGetaddrinfoRoundTrip) {
  const SockAddr address = *SockAddr::ip("127.0.0.1", 8080);
  auto body = [&]() -> Coro<std::vector<AddrInfo>> {
    Coro<NameInfo> naming = loop_->getnameinfo(address, NI_NUMERICHOST | NI_NUMERICSERV);
    NameInfo name = co_await std::move(naming);
    EXPECT_EQ(name.host, "127.0.0.1");
    EXPECT_EQ(name.port, "8080");
    AddrInfoHints hints;
    hints.type = SOCK_DGRAM;
    std::vector<AddrInfo> back = co_await loop_->getaddrinfo(name.host, name.port, hints);
    co_return back;
  };
  std::vector<AddrInfo> back = run(body());
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].address, address);
  EXPECT_EQ(back[0].address.to_string(), "('127.0.0.1', 8080)");
}

TEST_P(ResolverTest, UnresolvableNameRaisesGaierrorWithPythonsText) {
  auto body = [&]() -> Coro<void> {
    AddrInfoHints hints;
    hints.flags = AI_NUMERICHOST;  // no lookup: the name is simply not an address
    std::vector<AddrInfo> found = co_await loop_->getaddrinfo("not-an-address", 80, hints);
    ADD_FAILURE() << found.size() << " addresses for a non-address";
  };
  try {
    run(body());
    FAIL() << "no gaierror";
  } catch (const gaierror& e) {
    // python3: socket.getaddrinfo('not-an-address', 80, flags=socket.AI_NUMERICHOST)
    //   socket.gaierror: [Errno -2] Name or service not known
    EXPECT_EQ(e.error_number(), EAI_NONAME);
    EXPECT_EQ(e.message(), "[Errno -2] Name or service not known");
  }
}

TEST_P(ResolverTest, GaierrorIsAnOSError) {
  auto body = [&]() -> Coro<std::string> {
    std::string caught;
    try {
      AddrInfoHints hints;
      hints.flags = AI_NUMERICHOST;
      std::vector<AddrInfo> found = co_await loop_->getaddrinfo("not-an-address", "", hints);
    } catch (const OSError& e) {
      caught = e.type_name();
    }
    co_return caught;
  };
  EXPECT_EQ(run(body()), "gaierror");
}

}  // namespace
}  // namespace seedloop::testing
