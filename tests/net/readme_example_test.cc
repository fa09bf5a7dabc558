// README.md's "Networking" example, verbatim, asserted: one echo round trip
// with the sock_* methods on a select(2) loop (seed 004's
// SelectorEventLoop(selectors.SelectSelector())).

#include <sys/socket.h>

#include <string>

#include "gtest/gtest.h"
#include "loop/event_loop.h"
#include "loop/real/selector_event_loop.h"

namespace seedloop {
namespace {

// ---- README.md: Networking ----
Coro<std::string> ping_pong(EventLoop& loop) {
  SocketOps& ops = loop.socket_ops();  // the socket calls, real or simulated
  int server = *ops.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  (void)ops.bind(server, *SockAddr::ip("127.0.0.1", 0));
  (void)ops.listen(server, 16);
  SockAddr address = *ops.getsockname(server);  // ('127.0.0.1', 40213)
  int client = *ops.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

  Coro<void> connecting = loop.sock_connect(client, address);
  co_await std::move(connecting);
  Coro<Accepted> accepting = loop.sock_accept(server);
  Accepted conn = co_await std::move(accepting);  // conn.fd, conn.address
  Coro<void> sending = loop.sock_sendall(client, "ping");
  co_await std::move(sending);
  Coro<std::string> receiving = loop.sock_recv(conn.fd, 100);
  std::string got = co_await std::move(receiving);  // "ping"

  for (int fd : {conn.fd, client, server}) (void)ops.close(fd);
  co_return got;
}
// ---- end of the README example ----

TEST(ReadmeExampleTest, PingPongOnASelectLoop) {
  auto loop = SelectorEventLoop(SelectSelector());  // or PollSelector(), EpollSelector()
  loop->call_later(10.0, [&] { loop->stop(); });     // bound
  EXPECT_EQ(loop->run_until_complete(ping_pong(*loop)), "ping");
  loop->close();
}

}  // namespace
}  // namespace seedloop
