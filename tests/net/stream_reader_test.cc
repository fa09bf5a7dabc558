// StreamReader fed by hand (no sockets): the limit, the separators and
// EOF, with CPython 3.11's exceptions and texts (checked with python3).

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "loop/aio/sleep.h"
#include "loop/net/stream_reader.h"
#include "tests/net/net_fixture.h"

namespace seedloop::testing {
namespace {

class StreamReaderTest : public NetTest {};
INSTANTIATE_TEST_SUITE_P(Epoll, StreamReaderTest, ::testing::Values(PollerKind::kEpoll), poller_name);

TEST_P(StreamReaderTest, ReaduntilWithoutSeparatorPastTheLimitRaisesLimitOverrun) {
  StreamReader reader(*loop_, 10);
  reader.feed_data("0123456789abcdef");
  auto body = [&]() -> Coro<void> {
    bool raised = false;
    try {
      co_await reader.readuntil("\n");
    } catch (const LimitOverrunError& e) {
      raised = true;
      EXPECT_EQ(e.message(), "Separator is not found, and chunk exceed the limit");
      EXPECT_EQ(e.consumed(), 16u);
    }
    EXPECT_TRUE(raised);
    EXPECT_EQ(reader.buffered(), 16u);  // readuntil keeps the data
  };
  run(body());
}

TEST_P(StreamReaderTest, ReadlineDropsAnOverlongLineAndRaisesValueError) {
  StreamReader reader(*loop_, 10);
  reader.feed_data("0123456789abcdef\nxy");
  auto body = [&]() -> Coro<std::string> {
    bool raised = false;
    try {
      co_await reader.readline();
    } catch (const ValueError& e) {
      raised = true;
      EXPECT_EQ(e.message(), "Separator is found, but chunk is longer than limit");
    }
    EXPECT_TRUE(raised);
    reader.feed_eof();
    std::string rest = co_await reader.readline();  // the partial line at EOF
    co_return rest;
  };
  EXPECT_EQ(run(body()), "xy");
  EXPECT_TRUE(reader.at_eof());
}

TEST_P(StreamReaderTest, ReadexactlyAtEofRaisesIncompleteReadWithThePartialData) {
  StreamReader reader(*loop_);
  reader.feed_data("xy");
  reader.feed_eof();
  auto body = [&]() -> Coro<void> {
    bool raised = false;
    try {
      co_await reader.readexactly(5);
    } catch (const IncompleteReadError& e) {
      raised = true;
      EXPECT_EQ(e.message(), "2 bytes read on a total of 5 expected bytes");
      EXPECT_EQ(e.partial(), "xy");
      EXPECT_EQ(e.expected(), 5u);
    }
    EXPECT_TRUE(raised);
  };
  run(body());
}

TEST_P(StreamReaderTest, ReaduntilAtEofRaisesIncompleteReadWithUndefinedExpected) {
  StreamReader reader(*loop_);
  reader.feed_data("ab");
  reader.feed_eof();
  auto body = [&]() -> Coro<void> {
    bool raised = false;
    try {
      co_await reader.readuntil("!");
    } catch (const IncompleteReadError& e) {
      raised = true;
      EXPECT_EQ(e.message(), "2 bytes read on a total of undefined expected bytes");
    }
    EXPECT_TRUE(raised);
  };
  run(body());
}

TEST_P(StreamReaderTest, ReadsWaitForDataAndReturnWhatIsThere) {
  StreamReader reader(*loop_);
  auto body = [&]() -> Coro<void> {
    Task<std::string> first = loop_->create_task(reader.read(100));
    co_await sleep(0);
    EXPECT_FALSE(first.done());
    reader.feed_data("line one\nline two\npartial");
    EXPECT_EQ(co_await first, "line one\nline two\npartial");
    reader.feed_data("ab\r\nc");
    EXPECT_EQ(co_await reader.readuntil("\r\n"), "ab\r\n");
    EXPECT_EQ(co_await reader.readexactly(1), "c");
    reader.feed_data("tail");
    reader.feed_eof();
    EXPECT_FALSE(reader.at_eof());
    EXPECT_EQ(co_await reader.read(), "tail");
    EXPECT_EQ(co_await reader.read(), "");
    EXPECT_TRUE(reader.at_eof());
  };
  run(body());
}

TEST_P(StreamReaderTest, SecondConcurrentReadRaisesRuntimeError) {
  StreamReader reader(*loop_);
  auto body = [&]() -> Coro<void> {
    Task<std::string> first = loop_->create_task(reader.read(3));
    co_await sleep(0);
    bool raised = false;
    try {
      co_await reader.read(3);
    } catch (const RuntimeError& e) {
      raised = true;
      EXPECT_EQ(e.message(), "read() called while another coroutine is already waiting for incoming data");
    }
    EXPECT_TRUE(raised);
    reader.feed_eof();
    EXPECT_EQ(co_await first, "");
  };
  run(body());
}

TEST_P(StreamReaderTest, BadArgumentsRaiseValueError) {
  EXPECT_THROW(StreamReader(*loop_, 0), ValueError);
  StreamReader reader(*loop_);
  auto body = [&]() -> Coro<void> {
    EXPECT_THROW(co_await reader.readexactly(-1), ValueError);
    EXPECT_THROW(co_await reader.readuntil(""), ValueError);
  };
  run(body());
}

}  // namespace
}  // namespace seedloop::testing
