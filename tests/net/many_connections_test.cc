// SEEDLOOP_ECHO_CONNECTIONS (1,000 by default; the manual stress target
// builds it with 10,000) concurrent loopback connections, each opened with
// open_connection and echoing one line through a start_server handler,
// within a bounded time and with every fd closed afterwards.
//
// Each connection costs two fds in one process. The soft RLIMIT_NOFILE is
// raised to the hard one; when that is still too low, the clients run in
// a forked child process (each side then needs one fd per connection), and
// when even that does not fit the test is skipped.

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "loop/aio/sleep.h"
#include "loop/net/streams.h"
#include "loop/policy.h"
#include "tests/net/net_fixture.h"

#ifndef SEEDLOOP_ECHO_CONNECTIONS
#define SEEDLOOP_ECHO_CONNECTIONS 1000
#endif

namespace seedloop::testing {
namespace {

constexpr size_t kConnections = SEEDLOOP_ECHO_CONNECTIONS;
constexpr size_t kSpareFds = 64;
constexpr double kBudgetS = kConnections > 1000 ? 120.0 : 30.0;

// Raises the soft fd limit to the hard one; returns the new soft limit.
rlim_t raise_fd_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  limit.rlim_cur = limit.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  return limit.rlim_cur;
}

Coro<void> echo_one_line(std::shared_ptr<StreamReader> reader, std::shared_ptr<StreamWriter> writer) {
  std::string line = co_await reader->readline();
  writer->write(line);
  co_await writer->drain();
  writer->close();
  co_await writer->wait_closed();
}

// One client: send a line naming it, expect it back. True on success.
Coro<bool> echo_client(int port, size_t id) {
  Streams s = co_await open_connection("127.0.0.1", port);
  const std::string line = "client " + std::to_string(id) + "\n";
  s.writer->write(line);
  std::string got = co_await s.reader->readline();
  s.writer->close();
  co_await s.writer->wait_closed();
  co_return got == line;
}

// All clients at once; how many echoed correctly.
Coro<size_t> run_clients(EventLoop& loop, int port) {
  std::vector<Task<bool>> tasks;
  tasks.reserve(kConnections);
  for (size_t i = 0; i < kConnections; ++i) tasks.push_back(loop.create_task(echo_client(port, i)));
  size_t ok = 0;
  for (Task<bool>& task : tasks) ok += (co_await task) ? 1 : 0;
  co_return ok;
}

Coro<std::shared_ptr<Server>> serve(int* port) {
  std::shared_ptr<Server> server = co_await start_server(echo_one_line, "127.0.0.1", 0, StreamReader::kDefaultLimit,
                                                         {.backlog = static_cast<int>(kConnections)});
  *port = get_running_loop()->socket_ops().getsockname(server->sockets().at(0))->port();
  co_return server;
}

Coro<void> close_and_wait(EventLoop& loop, std::shared_ptr<Server> server) {
  Task<void> closed = loop.create_task(server->wait_closed());
  co_await sleep(0);
  server->close();
  co_await closed;
}

// Runs `coro` on `loop`, stopping it after kBudgetS seconds.
template <typename T>
T run_bounded(EventLoop& loop, Coro<T> coro) {
  TimerHandle watchdog = loop.call_later(kBudgetS, [&loop] {
    std::fprintf(stderr, "the run exceeded its budget of %.0f s\n", kBudgetS);
    loop.stop();
  });
  T result = loop.run_until_complete(std::move(coro));
  watchdog.cancel();
  return result;
}

// The clients in a child process: reads the port from `port_pipe`, exits 0
// when every connection echoed.
[[noreturn]] void client_process(int port_pipe) {
  int port = 0;
  if (read(port_pipe, &port, sizeof port) != sizeof port) _exit(3);
  size_t ok = 0;
  {
    std::shared_ptr<EventLoop> loop = SelectorEventLoop(EpollSelector());
    try {
      ok = run_bounded(*loop, run_clients(*loop, port));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "client process: %s\n", e.what());
    }
    loop->close();
  }
  if (ok != kConnections) std::fprintf(stderr, "client process: %zu of %zu echoed\n", ok, kConnections);
  _exit(ok == kConnections ? 0 : 1);
}

TEST(ManyConnectionsTest, EveryConcurrentLoopbackConnectionEchoes) {
  const rlim_t fds = raise_fd_limit();
  const bool one_process = fds >= 2 * kConnections + kSpareFds;
  if (!one_process && fds < kConnections + kSpareFds) {
    GTEST_SKIP() << "RLIMIT_NOFILE hard limit " << fds << " is too low for " << kConnections << " connections";
  }
  const size_t fds_before = count_open_fds();
  int pipe_fds[2] = {-1, -1};
  pid_t child = -1;
  if (!one_process) {
    ASSERT_EQ(pipe(pipe_fds), 0);
    child = fork();  // before any loop or thread exists in this process
    ASSERT_GE(child, 0);
    if (child == 0) {
      close(pipe_fds[1]);
      client_process(pipe_fds[0]);
    }
    close(pipe_fds[0]);
  }
  {
    std::shared_ptr<EventLoop> loop = SelectorEventLoop(EpollSelector());
    auto body = [&]() -> Coro<size_t> {
      int port = 0;
      std::shared_ptr<Server> server = co_await serve(&port);
      size_t ok = 0;
      if (one_process) {
        ok = co_await run_clients(*loop, port);
      } else {
        EXPECT_EQ(write(pipe_fds[1], &port, sizeof port), static_cast<ssize_t>(sizeof port));
        int status = 0;
        for (int i = 0; i < kBudgetS * 100 && waitpid(child, &status, WNOHANG) == 0; ++i) co_await sleep(0.01);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the client process failed";
        ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 ? kConnections : 0;
      }
      co_await close_and_wait(*loop, server);
      co_return ok;
    };
    EXPECT_EQ(run_bounded(*loop, body()), kConnections);
    loop->close();
  }
  if (pipe_fds[1] >= 0) close(pipe_fds[1]);
  EXPECT_EQ(count_open_fds(), fds_before) << "a file descriptor was left open";
}

}  // namespace
}  // namespace seedloop::testing
