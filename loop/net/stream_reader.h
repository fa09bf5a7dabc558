// StreamReader: asyncio.StreamReader (CPython 3.11 Lib/asyncio/streams.py),
// a buffer a StreamReaderProtocol feeds and coroutines read from.
//
//   std::string line = co_await reader->readline();        // "...\n", or the rest at EOF
//   std::string header = co_await reader->readexactly(4);  // IncompleteReadError at EOF
//   std::string block = co_await reader->readuntil("\r\n\r\n");
//   std::string rest = co_await reader->read();            // until EOF
//
// Async iteration (`async for line in reader`) is anext(): the next line
// as readline() returns it, nullopt once readline() returns "" (EOF), as
// StreamReader.__anext__ raises StopAsyncIteration then:
//
//   while (std::optional<std::string> line = co_await reader->anext()) handle(*line);
//
// The limit (64 KiB by default) bounds a line: readuntil raises
// LimitOverrunError when no separator is found within it ("Separator is
// not found, and chunk exceed the limit") or the separator is found beyond
// it ("Separator is found, but chunk is longer than limit"); readline turns
// that into ValueError with the same text, dropping the over-long data.
// It also bounds memory: when more than 2 * limit bytes are buffered the
// reader pauses its transport's reading, and resumes it once a read brings
// the buffer down to the limit. A peer that sends an endless line so costs
// at most about 2 * limit + one transport read (256 KiB).
//
// Only one coroutine may wait for data at a time (RuntimeError "read()
// called while another coroutine is already waiting for incoming data").
// A stored exception (set_exception: the connection's error) is raised by
// every later read.
//
// Ownership: held by std::shared_ptr (the protocol and user code share
// it); a read's coroutine uses the reader, so keep it alive until the
// read finishes. Threads: the loop's thread only.

#ifndef SEEDLOOP_LOOP_NET_STREAM_READER_H_
#define SEEDLOOP_LOOP_NET_STREAM_READER_H_

#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "loop/coro.h"
#include "loop/errors.h"
#include "loop/event_loop.h"
#include "loop/future.h"
#include "loop/net/protocols.h"

namespace seedloop {

// Python's EOFError.
class EOFError : public Exception {
 public:
  using Exception::Exception;
  const char* type_name() const override { return "EOFError"; }
};

// asyncio.IncompleteReadError: EOF came before the expected bytes (or the
// separator: `expected` nullopt, printed "undefined"). partial() is what
// was read.
class IncompleteReadError : public EOFError {
 public:
  IncompleteReadError(std::string partial, std::optional<size_t> expected);
  const char* type_name() const override { return "IncompleteReadError"; }
  const std::string& partial() const { return partial_; }
  std::optional<size_t> expected() const { return expected_; }

 private:
  std::string partial_;
  std::optional<size_t> expected_;
};

// asyncio.LimitOverrunError: consumed() is how many bytes to drop to go on.
class LimitOverrunError : public Exception {
 public:
  LimitOverrunError(std::string message, size_t consumed) : Exception(std::move(message)), consumed_(consumed) {}
  const char* type_name() const override { return "LimitOverrunError"; }
  size_t consumed() const { return consumed_; }

 private:
  size_t consumed_;
};

class StreamReader {
 public:
  // streams._DEFAULT_LIMIT.
  static constexpr size_t kDefaultLimit = 64 * 1024;

  // ValueError "Limit cannot be <= 0" for limit 0.
  explicit StreamReader(EventLoop& loop, size_t limit = kDefaultLimit);

  // Up to n bytes, at least one unless at EOF; n < 0 reads until EOF.
  Coro<std::string> read(int64_t n = -1);
  Coro<std::string> readline();
  // Exactly n bytes, or IncompleteReadError(partial, n) at EOF.
  Coro<std::string> readexactly(int64_t n);
  Coro<std::string> readuntil(std::string separator = "\n");
  // `async for`'s step: readline(), or nullopt at EOF (see above).
  Coro<std::optional<std::string>> anext();
  bool at_eof() const { return eof_ && buffer_.empty(); }

  // The protocol side.
  void feed_data(std::string_view data);
  void feed_eof();
  std::exception_ptr exception() const { return exception_; }
  void set_exception(std::exception_ptr exception);
  void set_transport(std::shared_ptr<Transport> transport);

  size_t limit() const { return limit_; }
  // Bytes buffered now (Python: len(reader._buffer)); not asyncio API.
  size_t buffered() const { return buffer_.size(); }

 private:
  void wakeup_waiter();
  void maybe_resume_transport();
  Coro<void> wait_for_data(const char* func_name);
  std::string take(size_t n);

  EventLoop* loop_;
  size_t limit_;
  std::string buffer_;
  bool eof_ = false;
  std::optional<Future<void>> waiter_;
  std::exception_ptr exception_;
  std::shared_ptr<Transport> transport_;
  bool paused_ = false;
};

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_NET_STREAM_READER_H_
