// connect_read_pipe / connect_write_pipe on os.pipe() ends, on every
// production poller: round trips, EOF, a reader that goes away (with and
// without buffered data), write errors and flow control, against what
// CPython 3.11's unix_events pipe transports do (checked with python3).

#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "loop/aio/sleep.h"
#include "loop/aio/wait_for.h"
#include "loop/errors.h"
#include "loop/net/pipe_transport.h"
#include "loop/net/protocols.h"
#include "tests/net/net_fixture.h"
#include "tests/net/recording_protocol.h"

namespace seedloop::testing {
namespace {

class PipeTest : public NetTest {
 protected:
  std::pair<int, int> make_pipe() {
    absl::StatusOr<std::pair<int, int>> p = loop_->process_ops().pipe(Blocking::kNonBlocking);
    EXPECT_TRUE(p.ok()) << p.status();
    return *p;
  }
  Coro<std::shared_ptr<RecordingProtocol>> read_end(int fd) {
    auto proto = std::make_shared<RecordingProtocol>(*loop_);
    Coro<TransportAndProtocol> connecting = loop_->connect_read_pipe([proto] { return proto; }, fd);
    co_await std::move(connecting);
    co_return proto;
  }
  Coro<std::shared_ptr<RecordingProtocol>> write_end(int fd) {
    auto proto = std::make_shared<RecordingProtocol>(*loop_);
    Coro<TransportAndProtocol> connecting = loop_->connect_write_pipe([proto] { return proto; }, fd);
    co_await std::move(connecting);
    co_return proto;
  }
  bool ops_close(int fd) { return loop_->process_ops().close(fd).ok(); }
  Coro<void> wait(Future<void> f) {
    Coro<void> waiting = wait_for(f, 5.0);
    co_await std::move(waiting);
  }
};
INSTANTIATE_TEST_SUITE_P(AllPollers, PipeTest, kAllPollers, poller_name);

TEST_P(PipeTest, RoundTripThenWriterCloseGivesEofThenConnectionLost) {
  auto [r, w] = make_pipe();
  auto body = [&]() -> Coro<std::vector<std::string>> {
    std::shared_ptr<RecordingProtocol> reader = co_await read_end(r);
    std::shared_ptr<RecordingProtocol> writer = co_await write_end(w);
    writer->transport->write("hello ");
    writer->transport->write("pipe");
    writer->transport->close();
    EXPECT_TRUE(writer->transport->is_closing());
    co_await wait(reader->lost);
    co_await wait(writer->lost);
    EXPECT_EQ(reader->received, "hello pipe");
    EXPECT_EQ(writer->events, (std::vector<std::string>{"made", "lost"}));
    co_return reader->events;
  };
  EXPECT_EQ(run(body()), (std::vector<std::string>{"made", "data", "eof", "lost"}));
}

TEST_P(PipeTest, WriteEofClosesTheWriteSideAndLaterWritesAreDropped) {
  auto [r, w] = make_pipe();
  auto body = [&]() -> Coro<std::string> {
    std::shared_ptr<RecordingProtocol> reader = co_await read_end(r);
    std::shared_ptr<RecordingProtocol> writer = co_await write_end(w);
    EXPECT_TRUE(writer->transport->can_write_eof());
    EXPECT_FALSE(reader->transport->can_write_eof());
    writer->transport->write("before");
    writer->transport->write_eof();
    writer->transport->write("after");  // asyncio: counted and dropped, no exception
    co_await wait(reader->lost);
    co_return reader->received;
  };
  EXPECT_EQ(run(body()), "before");
}

TEST_P(PipeTest, ExtraInfoPipeIsTheFdWhileOpen) {
  auto [r, w] = make_pipe();
  auto body = [&]() -> Coro<void> {
    std::shared_ptr<RecordingProtocol> reader = co_await read_end(r);
    std::shared_ptr<RecordingProtocol> writer = co_await write_end(w);
    EXPECT_EQ(std::get<int>(reader->transport->get_extra_info("pipe")), r);
    EXPECT_EQ(std::get<int>(writer->transport->get_extra_info("pipe")), w);
    EXPECT_TRUE(std::holds_alternative<std::monostate>(reader->transport->get_extra_info("peername")));
    writer->transport->close();
    co_await wait(reader->lost);
    co_await wait(writer->lost);
    EXPECT_TRUE(std::holds_alternative<std::monostate>(reader->transport->get_extra_info("pipe")));
  };
  run(body());
}

TEST_P(PipeTest, WriteAfterTheReaderClosedGivesBrokenPipeError) {
  auto [r, w] = make_pipe();
  auto body = [&]() -> Coro<std::string> {
    std::shared_ptr<RecordingProtocol> writer = co_await write_end(w);
    EXPECT_TRUE(ops_close(r));
    writer->transport->write("x");  // EPIPE before the loop polls again
    co_await wait(writer->lost);
    co_return describe_exception(writer->lost_error);
  };
  EXPECT_EQ(run(body()), "BrokenPipeError: [Errno 32] Broken pipe");
}

TEST_P(PipeTest, ReaderClosingIsNoticedWithoutAWrite) {
  auto [r, w] = make_pipe();
  auto body = [&]() -> Coro<std::vector<std::string>> {
    std::shared_ptr<RecordingProtocol> writer = co_await write_end(w);
    EXPECT_TRUE(ops_close(r));
    co_await wait(writer->lost);
    co_return writer->events;
  };
  EXPECT_EQ(run(body()), (std::vector<std::string>{"made", "lost"}));
}

TEST_P(PipeTest, ReaderClosingWithDataBufferedGivesBrokenPipeError) {
  auto [r, w] = make_pipe();
  auto body = [&]() -> Coro<std::vector<std::string>> {
    std::shared_ptr<RecordingProtocol> writer = co_await write_end(w);
    writer->transport->write(std::string(1 << 20, 'x'));  // more than the pipe holds
    EXPECT_GT(writer->transport->get_write_buffer_size(), 0u);
    EXPECT_TRUE(ops_close(r));
    co_await wait(writer->lost);
    EXPECT_EQ(writer->transport->get_write_buffer_size(), 0u);
    co_return writer->events;
  };
  // _UnixWritePipeTransport._read_ready: BrokenPipeError() without errno.
  EXPECT_EQ(run(body()), (std::vector<std::string>{"made", "pause", "lost: BrokenPipeError"}));
}

TEST_P(PipeTest, BackpressurePausesWritingUntilTheReaderCatchesUp) {
  auto [r, w] = make_pipe();
  const size_t total = 1 << 20;
  auto body = [&]() -> Coro<std::vector<std::string>> {
    std::shared_ptr<RecordingProtocol> writer = co_await write_end(w);
    writer->transport->set_write_buffer_limits(64 * 1024);
    writer->transport->write(std::string(total, 'y'));
    EXPECT_EQ(writer->events, (std::vector<std::string>{"made", "pause"}));
    std::shared_ptr<RecordingProtocol> reader = co_await read_end(r);
    writer->transport->close();
    co_await wait(reader->lost);
    EXPECT_EQ(reader->received.size(), total);
    co_await wait(writer->lost);
    co_return writer->events;
  };
  EXPECT_EQ(run(body()), (std::vector<std::string>{"made", "pause", "resume", "lost"}));
}

TEST_P(PipeTest, PauseReadingHoldsDataUntilResumed) {
  auto [r, w] = make_pipe();
  auto body = [&]() -> Coro<std::string> {
    std::shared_ptr<RecordingProtocol> reader = co_await read_end(r);
    std::shared_ptr<RecordingProtocol> writer = co_await write_end(w);
    reader->transport->pause_reading();
    EXPECT_FALSE(reader->transport->is_reading());
    writer->transport->write("held");
    for (int i = 0; i < 5; ++i) co_await sleep(0);
    EXPECT_EQ(reader->received, "");
    reader->transport->resume_reading();
    writer->transport->close();
    co_await wait(reader->lost);
    co_await wait(writer->lost);
    co_return reader->received;
  };
  EXPECT_EQ(run(body()), "held");
}

TEST_P(PipeTest, AbortDropsBufferedDataAndClosesAtOnce) {
  auto [r, w] = make_pipe();
  auto body = [&]() -> Coro<std::string> {
    std::shared_ptr<RecordingProtocol> writer = co_await write_end(w);
    std::shared_ptr<RecordingProtocol> reader = co_await read_end(r);
    reader->transport->pause_reading();
    writer->transport->write(std::string(1 << 20, 'z'));
    writer->transport->abort();
    co_await wait(writer->lost);
    EXPECT_EQ(writer->events.back(), "lost");
    reader->transport->resume_reading();
    co_await wait(reader->lost);
    co_return reader->events.back();
  };
  EXPECT_EQ(run(body()), "lost");
}

TEST_P(PipeTest, ARegularFileIsRejectedWithValueError) {
  std::FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  auto body = [&]() -> Coro<std::string> {
    std::string message;
    try {
      co_await read_end(fileno(file));
    } catch (const ValueError& e) {
      message = e.message();
    }
    co_return message;
  };
  EXPECT_EQ(run(body()), "Pipe transport is for pipes/sockets only.");
  std::fclose(file);
}

}  // namespace
}  // namespace seedloop::testing
