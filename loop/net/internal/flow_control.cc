#include "loop/net/internal/flow_control.h"

#include <exception>
#include <memory>
#include <utility>

#include "absl/strings/str_format.h"
#include "loop/errors.h"
#include "loop/net/internal/protocol_calls.h"

namespace seedloop::internal {

void FlowControl::set_limits(std::optional<size_t> high, std::optional<size_t> low) {
  if (!high) high = low ? 4 * *low : kDefaultHighWater;
  if (!low) low = *high / 4;
  if (*high < *low) throw ValueError(absl::StrFormat("high (%d) must be >= low (%d) must be >= 0", *high, *low));
  high_water_ = *high;
  low_water_ = *low;
}

void FlowControl::maybe_pause(size_t buffer_size, std::shared_ptr<BaseProtocol> protocol) {
  if (buffer_size <= high_water_ || protocol_paused_) return;
  protocol_paused_ = true;
  if (std::exception_ptr e = call_protocol_callback([&] { protocol->pause_writing(); })) {
    report("protocol.pause_writing() failed", e);
  }
}

void FlowControl::maybe_resume(size_t buffer_size, std::shared_ptr<BaseProtocol> protocol) {
  if (!protocol_paused_ || buffer_size > low_water_) return;
  protocol_paused_ = false;
  if (std::exception_ptr e = call_protocol_callback([&] { protocol->resume_writing(); })) {
    report("protocol.resume_writing() failed", e);
  }
}

void FlowControl::report(const char* message, std::exception_ptr exception) {
  ExceptionContext context;
  context.message = message;
  context.exception = std::move(exception);
  if (describe_) describe_(context);
  loop_->call_exception_handler(context);
}

}  // namespace seedloop::internal
