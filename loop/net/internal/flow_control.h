// FlowControl: the write side's flow control every buffering transport
// shares, CPython 3.11's transports._FlowControlMixin: high and low water
// marks, set_write_buffer_limits, and _maybe_pause_protocol /
// _maybe_resume_protocol, which tell the protocol pause_writing() when the
// write buffer grows above the high water mark and resume_writing() once it
// drains to the low one or below.
//
//   FlowControl flow(loop, [this](ExceptionContext& c) { c.extra["transport"] = repr(); });
//   buffer_.append(data);
//   flow.maybe_pause(buffer_.size(), protocol_);   // may call protocol_->pause_writing()
//   ...                                             // the buffer drains
//   flow.maybe_resume(buffer_.size(), protocol_);  // may call protocol_->resume_writing()
//
// A protocol callback that raises (anything but SystemExit or
// KeyboardInterrupt, which propagate) is reported to the loop's exception
// handler as "protocol.pause_writing() failed" / "protocol.resume_writing()
// failed", with the entries `describe` adds (the mixin's 'transport' and
// 'protocol').
//
// Threads: the loop's thread only.

#ifndef SEEDLOOP_LOOP_NET_INTERNAL_FLOW_CONTROL_H_
#define SEEDLOOP_LOOP_NET_INTERNAL_FLOW_CONTROL_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <utility>

#include "loop/event_loop.h"
#include "loop/exception_context.h"
#include "loop/net/protocols.h"

namespace seedloop::internal {

class FlowControl {
 public:
  // _FlowControlMixin's default high water mark (the low one is a quarter).
  static constexpr size_t kDefaultHighWater = 64 * 1024;
  // Adds the transport's entries to a failed callback's report.
  using Describe = std::function<void(ExceptionContext&)>;

  explicit FlowControl(EventLoop& loop, Describe describe = nullptr)
      : loop_(&loop), describe_(std::move(describe)) {}

  // {low, high}, as get_write_buffer_limits returns them.
  std::pair<size_t, size_t> limits() const { return {low_water_, high_water_}; }
  // Whether pause_writing was the last call the protocol got.
  bool protocol_paused() const { return protocol_paused_; }

  // _set_write_buffer_limits: no high means 4 * low (or the default), no
  // low means high / 4. Raises ValueError("high (H) must be >= low (L)
  // must be >= 0") when high < low, changing nothing. The transport then
  // calls maybe_pause, as set_write_buffer_limits does.
  void set_limits(std::optional<size_t> high, std::optional<size_t> low);

  // _maybe_pause_protocol: pause_writing once the buffer is above high.
  void maybe_pause(size_t buffer_size, std::shared_ptr<BaseProtocol> protocol);
  // _maybe_resume_protocol: resume_writing once a paused buffer is at or
  // below low.
  void maybe_resume(size_t buffer_size, std::shared_ptr<BaseProtocol> protocol);

 private:
  void report(const char* message, std::exception_ptr exception);

  EventLoop* loop_;
  Describe describe_;
  bool protocol_paused_ = false;
  size_t high_water_ = kDefaultHighWater;
  size_t low_water_ = kDefaultHighWater / 4;
};

}  // namespace seedloop::internal

#endif  // SEEDLOOP_LOOP_NET_INTERNAL_FLOW_CONTROL_H_
