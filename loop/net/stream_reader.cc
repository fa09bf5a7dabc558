#include "loop/net/stream_reader.h"

#include <cassert>
#include <string>
#include <utility>

namespace seedloop {

namespace {
std::string incomplete_text(size_t got, std::optional<size_t> expected) {
  return std::to_string(got) + " bytes read on a total of " +
         (expected ? std::to_string(*expected) : std::string("undefined")) + " expected bytes";
}
}  // namespace

IncompleteReadError::IncompleteReadError(std::string partial, std::optional<size_t> expected)
    : EOFError(incomplete_text(partial.size(), expected)), partial_(std::move(partial)), expected_(expected) {}

StreamReader::StreamReader(EventLoop& loop, size_t limit) : loop_(&loop), limit_(limit) {
  if (limit == 0) throw ValueError("Limit cannot be <= 0");
}

void StreamReader::set_exception(std::exception_ptr exception) {
  exception_ = exception;
  if (!waiter_) return;
  Future<void> waiter = *std::move(waiter_);
  waiter_.reset();
  if (!waiter.cancelled()) waiter.set_exception(exception);
}

void StreamReader::wakeup_waiter() {
  if (!waiter_) return;
  Future<void> waiter = *std::move(waiter_);
  waiter_.reset();
  if (!waiter.cancelled()) waiter.set_result();
}

void StreamReader::set_transport(std::shared_ptr<Transport> transport) {
  assert(transport_ == nullptr && "Transport already set");
  transport_ = std::move(transport);
}

void StreamReader::maybe_resume_transport() {
  if (paused_ && buffer_.size() <= limit_) {
    paused_ = false;
    transport_->resume_reading();
  }
}

void StreamReader::feed_eof() {
  eof_ = true;
  wakeup_waiter();
}

void StreamReader::feed_data(std::string_view data) {
  assert(!eof_ && "feed_data after feed_eof");
  if (data.empty()) return;
  buffer_.append(data);
  wakeup_waiter();
  if (transport_ != nullptr && !paused_ && buffer_.size() > 2 * limit_) {
    transport_->pause_reading();
    paused_ = true;
  }
}

Coro<void> StreamReader::wait_for_data(const char* func_name) {
  if (waiter_) {
    throw RuntimeError(std::string(func_name) +
                       "() called while another coroutine is already waiting for incoming data");
  }
  assert(!eof_ && "_wait_for_data after EOF");
  // Waiting while paused would deadlock (readexactly(n) with n > limit).
  if (paused_) {
    paused_ = false;
    transport_->resume_reading();
  }
  Future<void> waiter = loop_->create_future();
  waiter_ = waiter;
  std::exception_ptr failure;
  try {
    co_await waiter;
  } catch (...) {
    failure = std::current_exception();
  }
  waiter_.reset();
  if (failure) std::rethrow_exception(failure);
}

std::string StreamReader::take(size_t n) {
  std::string data = buffer_.substr(0, n);
  buffer_.erase(0, n);
  maybe_resume_transport();
  return data;
}

Coro<std::string> StreamReader::readline() {
  const std::string sep = "\n";
  std::optional<std::string> partial;
  std::optional<LimitOverrunError> overrun;
  std::string line;
  try {
    Coro<std::string> reading = readuntil(sep);
    line = co_await std::move(reading);
  } catch (const IncompleteReadError& e) {
    partial = e.partial();
  } catch (const LimitOverrunError& e) {
    overrun = e;
  }
  if (partial) co_return *std::move(partial);
  if (overrun) {
    if (buffer_.compare(overrun->consumed(), sep.size(), sep) == 0) {
      buffer_.erase(0, overrun->consumed() + sep.size());
    } else {
      buffer_.clear();
    }
    maybe_resume_transport();
    throw ValueError(overrun->message());
  }
  co_return line;
}

Coro<std::string> StreamReader::readuntil(std::string separator) {
  const size_t seplen = separator.size();
  if (seplen == 0) throw ValueError("Separator should be at least one-byte string");
  if (exception_) std::rethrow_exception(exception_);
  // `offset`: the first position where the separator could still begin.
  size_t offset = 0;
  size_t isep = std::string::npos;
  while (true) {
    const size_t buflen = buffer_.size();
    if (buflen >= offset + seplen) {
      isep = buffer_.find(separator, offset);
      if (isep != std::string::npos) break;
      offset = buflen + 1 - seplen;
      if (offset > limit_) throw LimitOverrunError("Separator is not found, and chunk exceed the limit", offset);
    }
    if (eof_) {
      std::string chunk = std::move(buffer_);
      buffer_.clear();
      throw IncompleteReadError(std::move(chunk), std::nullopt);
    }
    Coro<void> waiting = wait_for_data("readuntil");
    co_await std::move(waiting);
  }
  if (isep > limit_) throw LimitOverrunError("Separator is found, but chunk is longer than limit", isep);
  co_return take(isep + seplen);
}

Coro<std::string> StreamReader::read(int64_t n) {
  if (exception_) std::rethrow_exception(exception_);
  if (n == 0) co_return std::string();
  if (n < 0) {
    std::string all;
    while (true) {
      Coro<std::string> reading = read(static_cast<int64_t>(limit_));
      std::string block = co_await std::move(reading);
      if (block.empty()) break;
      all += block;
    }
    co_return all;
  }
  if (buffer_.empty() && !eof_) {
    Coro<void> waiting = wait_for_data("read");
    co_await std::move(waiting);
  }
  co_return take(static_cast<size_t>(n));
}

Coro<std::string> StreamReader::readexactly(int64_t n) {
  if (n < 0) throw ValueError("readexactly size can not be less than zero");
  if (exception_) std::rethrow_exception(exception_);
  if (n == 0) co_return std::string();
  const size_t want = static_cast<size_t>(n);
  while (buffer_.size() < want) {
    if (eof_) {
      std::string incomplete = std::move(buffer_);
      buffer_.clear();
      throw IncompleteReadError(std::move(incomplete), want);
    }
    Coro<void> waiting = wait_for_data("readexactly");
    co_await std::move(waiting);
  }
  co_return take(want);
}

// StreamReader.__anext__.
Coro<std::optional<std::string>> StreamReader::anext() {
  Coro<std::string> reading = readline();
  std::string line = co_await std::move(reading);
  if (line.empty()) co_return std::nullopt;
  co_return line;
}

}  // namespace seedloop
