// `async for line in reader` as StreamReader::anext(), with CPython 3.11's
// semantics (StreamReader.__anext__, checked with python3): one line per
// step, the last line without its newline, the end at EOF, and the limit's
// ValueError raised from the step that meets it. Also over a connection:
// lines arriving in pieces across reads.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "loop/aio/sleep.h"
#include "loop/net/stream_reader.h"
#include "loop/net/stream_writer.h"
#include "loop/net/streams.h"
#include "tests/net/forms_fixture.h"

namespace seedloop::testing {
namespace {

class StreamReaderIterationTest : public FormsTest {
 protected:
  // Every line anext() gives until it ends.
  static Coro<std::vector<std::string>> all_lines(std::shared_ptr<StreamReader> reader) {
    std::vector<std::string> lines;
    for (;;) {
      Coro<std::optional<std::string>> next = reader->anext();
      std::optional<std::string> line = co_await std::move(next);
      if (!line) break;
      lines.push_back(*line);
    }
    co_return lines;
  }
};
INSTANTIATE_TEST_SUITE_P(AllPollers, StreamReaderIterationTest, kAllPollers, poller_name);

TEST_P(StreamReaderIterationTest, YieldsEachLineThenTheUnterminatedRestThenEnds) {
  auto reader = std::make_shared<StreamReader>(*loop_);
  reader->feed_data("one\ntwo\nthree");
  reader->feed_eof();
  EXPECT_EQ(run(all_lines(reader)), (std::vector<std::string>{"one\n", "two\n", "three"}));
}

TEST_P(StreamReaderIterationTest, AnEmptyStreamEndsAtOnce) {
  auto reader = std::make_shared<StreamReader>(*loop_);
  reader->feed_eof();
  EXPECT_TRUE(run(all_lines(reader)).empty());
}

TEST_P(StreamReaderIterationTest, WaitsForLinesThatArriveLater) {
  auto reader = std::make_shared<StreamReader>(*loop_);
  loop_->call_later(0.01, [reader] { reader->feed_data("late\nli"); });
  loop_->call_later(0.02, [reader] { reader->feed_data("ne\n"); });
  loop_->call_later(0.03, [reader] { reader->feed_eof(); });
  EXPECT_EQ(run(all_lines(reader)), (std::vector<std::string>{"late\n", "line\n"}));
}

TEST_P(StreamReaderIterationTest, ALineOverTheLimitRaisesFromItsStep) {
  auto reader = std::make_shared<StreamReader>(*loop_, 4);
  reader->feed_data("ok\n0123456789\n");
  reader->feed_eof();
  auto body = [reader]() -> Coro<std::vector<std::string>> {
    std::vector<std::string> seen;
    Coro<std::optional<std::string>> first = reader->anext();
    std::optional<std::string> line = co_await std::move(first);
    seen.push_back(line.value_or("(end)"));
    Coro<std::optional<std::string>> second = reader->anext();
    co_await std::move(second);
    co_return seen;
  };
  EXPECT_EQ(raised_by(body()), "ValueError: Separator is found, but chunk is longer than limit");
}

TEST_P(StreamReaderIterationTest, IteratesTheLinesOfAConnection) {
  // The server writes its lines in pieces that split them, then closes.
  auto handle = [](std::shared_ptr<StreamReader>, std::shared_ptr<StreamWriter> writer) -> Coro<void> {
    for (const char* piece : {"GET /\r", "\nHost: x\r\nAcc", "ept: */*\r\n"}) {
      writer->write(piece);
      Coro<void> draining = writer->drain();
      co_await std::move(draining);
      Coro<void> pause = sleep(0.005);
      co_await std::move(pause);
    }
    writer->close();
  };
  auto body = [&]() -> Coro<std::vector<std::string>> {
    Coro<std::shared_ptr<Server>> serving = start_server(handle, "127.0.0.1", 0);
    std::shared_ptr<Server> server = co_await std::move(serving);
    const int port = ops().getsockname(server->sockets().at(0))->port();
    Coro<Streams> opening = open_connection("127.0.0.1", port);
    Streams streams = co_await std::move(opening);
    Coro<std::vector<std::string>> reading = all_lines(streams.reader);
    std::vector<std::string> lines = co_await std::move(reading);
    streams.writer->close();
    Coro<void> closing = streams.writer->wait_closed();
    co_await std::move(closing);
    server->close();
    Coro<void> waiting = server->wait_closed();
    co_await std::move(waiting);
    co_return lines;
  };
  EXPECT_EQ(run(body()), (std::vector<std::string>{"GET /\r\n", "Host: x\r\n", "Accept: */*\r\n"}));
}

}  // namespace
}  // namespace seedloop::testing
