// Test support for tests/net: a loop on a chosen production poller, sockets
// made through the loop's SocketOps seam (never the OS directly), a bound on
// every run, and the /proc/self/fd count checked when the test ends.
//
//   class MyTest : public NetTest {};
//   TEST_P(MyTest, Something) {
//     int fd = open_socket(AF_INET, SOCK_STREAM);   // non-blocking, owned
//     run([&]() -> Coro<void> { ... co_await loop_->sock_recv(fd, 10); ... }());
//   }
//   INSTANTIATE_TEST_SUITE_P(AllPollers, MyTest, kAllPollers, poller_name);

#ifndef SEEDLOOP_TESTS_NET_NET_FIXTURE_H_
#define SEEDLOOP_TESTS_NET_NET_FIXTURE_H_

#include <sys/socket.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "loop/event_loop.h"
#include "loop/real/selector_event_loop.h"

namespace seedloop {
// gtest prints a PollerKind parameter by name.
inline void PrintTo(PollerKind kind, std::ostream* os) { *os << poller_kind_name(kind); }
}  // namespace seedloop

namespace seedloop::testing {

inline const auto kAllPollers = ::testing::Values(PollerKind::kEpoll, PollerKind::kPoll, PollerKind::kSelect);

inline std::string poller_name(const ::testing::TestParamInfo<PollerKind>& info) {
  return poller_kind_name(info.param);
}

// Open file descriptors of this process.
inline size_t count_open_fds() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

class NetTest : public ::testing::TestWithParam<PollerKind> {
 protected:
  // Every run ends within this many seconds or fails.
  static constexpr double kRunBudgetS = 10.0;

  NetTest() : fds_before_(count_open_fds()), loop_(SelectorEventLoop(new_selector(GetParam()))) {}

  ~NetTest() override {
    for (int fd : owned_) EXPECT_TRUE(loop_->socket_ops().close(fd).ok()) << "fd " << fd;
    loop_->close();
    loop_.reset();
    EXPECT_EQ(count_open_fds(), fds_before_) << "a file descriptor was left open";
  }

  SocketOps& ops() { return loop_->socket_ops(); }

  // A non-blocking socket, closed when the test ends (unless close_socket()).
  int open_socket(int family, int type) {
    absl::StatusOr<int> fd = ops().socket(family, type | SOCK_NONBLOCK, 0);
    EXPECT_TRUE(fd.ok()) << fd.status();
    owned_.push_back(*fd);
    return *fd;
  }
  // A connected pair of non-blocking AF_UNIX stream sockets, owned.
  std::pair<int, int> socket_pair() {
    absl::StatusOr<std::pair<int, int>> pair = ops().socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    EXPECT_TRUE(pair.ok()) << pair.status();
    owned_.push_back(pair->first);
    owned_.push_back(pair->second);
    return *pair;
  }
  // Takes ownership of an fd made elsewhere (sock_accept's).
  int own(int fd) {
    owned_.push_back(fd);
    return fd;
  }
  void close_socket(int fd) {
    owned_.erase(std::remove(owned_.begin(), owned_.end(), fd), owned_.end());
    EXPECT_TRUE(ops().close(fd).ok());
  }
  // A socket bound to `host` port 0 (listening if a stream); its address.
  int bound_socket(int family, int type, const char* host, SockAddr* address) {
    const int fd = open_socket(family, type);
    EXPECT_TRUE(ops().bind(fd, *SockAddr::ip(host, 0)).ok());
    if (type == SOCK_STREAM) {
      EXPECT_TRUE(ops().listen(fd, 16).ok());
    }
    *address = *ops().getsockname(fd);
    return fd;
  }

  // run_until_complete with a watchdog: a run past kRunBudgetS stops the
  // loop, and run_until_complete raises RuntimeError.
  template <typename T>
  T run(Coro<T> coro) {
    TimerHandle watchdog = loop_->call_later(kRunBudgetS, [this] {
      ADD_FAILURE() << "the run exceeded its budget of " << kRunBudgetS << " s";
      loop_->stop();
    });
    struct Cancel {
      TimerHandle h;
      ~Cancel() { h.cancel(); }
    } cancel{watchdog};
    return loop_->run_until_complete(std::move(coro));
  }

  const size_t fds_before_;
  std::shared_ptr<EventLoop> loop_;
  std::vector<int> owned_;
};

}  // namespace seedloop::testing

#endif  // SEEDLOOP_TESTS_NET_NET_FIXTURE_H_
