// On the simulated backend the socket methods exist but its SocketOps is
// not implemented yet: they raise NotImplementedError saying so, and never
// reach the operating system.

#include "gtest/gtest.h"
#include "loop/event_loop.h"
#include "sim/virtual_backend.h"

namespace seedloop {
namespace {

TEST(SimulatedSocketsTest, SockRecvRaisesNotImplementedError) {
  auto loop = EventLoop::create(sim::new_virtual_backend());
  auto body = [&]() -> Coro<std::string> { co_return co_await loop->sock_recv(3, 10); };
  try {
    loop->run_until_complete(body());
    FAIL() << "sock_recv succeeded on the simulated backend";
  } catch (const NotImplementedError& e) {
    EXPECT_EQ(e.message(), "recv: simulated sockets are not implemented yet");
  }
  loop->close();
}

TEST(SimulatedSocketsTest, GetaddrinfoRaisesNotImplementedError) {
  auto loop = EventLoop::create(sim::new_virtual_backend());
  auto body = [&]() -> Coro<size_t> {
    std::vector<AddrInfo> found = co_await loop->getaddrinfo("localhost", 80);
    co_return found.size();
  };
  try {
    loop->run_until_complete(body());
    FAIL() << "getaddrinfo succeeded on the simulated backend";
  } catch (const NotImplementedError& e) {
    EXPECT_EQ(e.message(), "getaddrinfo: simulated sockets are not implemented yet");
  }
  loop->close();
}

}  // namespace
}  // namespace seedloop
