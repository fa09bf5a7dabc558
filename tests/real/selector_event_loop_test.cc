// SelectorEventLoop(selector) on each production poller: seed 004's
// example, fd callbacks on every selector, select's fd limit.

#include "loop/real/selector_event_loop.h"

#include <fcntl.h>
#include <sys/select.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "loop/policy.h"

namespace seedloop {
namespace {

// Seed 004 (事件循环的实现):
//   import asyncio
//   import selectors
//   selector = selectors.SelectSelector()
//   loop = asyncio.SelectorEventLoop(selector)
//   asyncio.set_event_loop(loop)
// followed by its "Hello World" example on that loop:
//   def hello_world(loop):
//       print('Hello World')
//       loop.stop()
//   loop.call_soon(hello_world, loop)
//   loop.run_forever()
//   loop.close()
// python3 prints: Hello World
TEST(SelectorEventLoopTest, Seed004HelloWorldOnASelectSelectorLoop) {
  std::shared_ptr<EventLoop> loop = SelectorEventLoop(SelectSelector());
  set_event_loop(loop);
  std::vector<std::string> out;
  get_event_loop()->call_soon([&] {
    out.push_back("Hello World");
    loop->stop();
  });
  loop->run_forever();
  loop->close();
  set_event_loop(nullptr);
  EXPECT_EQ(out, std::vector<std::string>{"Hello World"});
}

class EveryPollerTest : public ::testing::TestWithParam<PollerKind> {};
INSTANTIATE_TEST_SUITE_P(AllPollers, EveryPollerTest,
                         ::testing::Values(PollerKind::kEpoll, PollerKind::kPoll, PollerKind::kSelect),
                         [](const auto& info) { return std::string(poller_kind_name(info.param)); });

TEST_P(EveryPollerTest, ReaderRunsWhenItsPipeBecomesReadable) {
  std::shared_ptr<EventLoop> loop = SelectorEventLoop(new_selector(GetParam()));
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
  int calls = 0;
  loop->add_reader(fds[0], [&] {
    ++calls;
    char c;
    EXPECT_EQ(read(fds[0], &c, 1), 1);
    loop->remove_reader(fds[0]);
    loop->stop();
  });
  loop->call_later(0.001, [&] { EXPECT_EQ(write(fds[1], "x", 1), 1); });
  loop->call_later(10.0, [&] { loop->stop(); });  // bound
  loop->run_forever();
  EXPECT_EQ(calls, 1);
  loop->close();
  close(fds[0]);
  close(fds[1]);
}

TEST_P(EveryPollerTest, CallSoonThreadsafeWakesTheBlockedLoop) {
  std::shared_ptr<EventLoop> loop = SelectorEventLoop(new_selector(GetParam()));
  std::thread other([&] { loop->call_soon_threadsafe([&] { loop->stop(); }); });
  loop->call_later(10.0, [&] { loop->stop(); });  // bound
  loop->run_forever();  // blocks in the poller until woken
  other.join();
  loop->close();
}

// python3: loop.add_reader(r.fileno(), print); fd = r.fileno(); r.close()
//          loop.remove_reader(fd)  -> True (selectors ignore the OSError)
TEST_P(EveryPollerTest, RemoveReaderAfterTheFdWasClosedReturnsTrue) {
  std::shared_ptr<EventLoop> loop = SelectorEventLoop(new_selector(GetParam()));
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
  loop->add_reader(fds[0], [] {});
  close(fds[0]);
  EXPECT_TRUE(loop->remove_reader(fds[0]));
  EXPECT_FALSE(loop->remove_reader(fds[0]));
  loop->close();
  close(fds[1]);
}

// python3 (a SelectorEventLoop(selectors.SelectSelector()) watching fd 1024)
// raises ValueError: filedescriptor out of range in select() from the next
// select(); seedloop's select poller refuses the fd at add_reader already.
TEST(SelectorEventLoopTest, SelectLoopRefusesAnFdBeyondFdSetSizeWithValueError) {
  std::shared_ptr<EventLoop> loop = SelectorEventLoop(SelectSelector());
  try {
    loop->add_reader(FD_SETSIZE, [] {});
    FAIL() << "no exception";
  } catch (const ValueError& e) {
    EXPECT_EQ(e.message(), "filedescriptor out of range in select()");
  }
  EXPECT_FALSE(loop->remove_reader(FD_SETSIZE));
  loop->close();
}

}  // namespace
}  // namespace seedloop
