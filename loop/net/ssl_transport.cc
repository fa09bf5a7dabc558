#include "loop/net/ssl_transport.h"

#include <openssl/bio.h>

#include <vector>

#include "loop/errors.h"
#include "loop/net/ssl_protocol.h"

namespace seedloop {

ExtraInfo SSLProtocolTransport::get_extra_info(std::string_view name) const {
  return protocol_ ? protocol_->get_extra_info(name) : ExtraInfo();
}

void SSLProtocolTransport::close() {
  if (!closed_) {
    closed_ = true;
    protocol_->start_shutdown();
  }
}

void SSLProtocolTransport::abort() {
  closed_ = true;
  if (protocol_) protocol_->abort_connection(nullptr);
}

void SSLProtocolTransport::force_close(std::exception_ptr exception) {
  closed_ = true;
  if (protocol_) protocol_->abort_connection(exception);
}

void SSLProtocolTransport::set_protocol(std::shared_ptr<BaseProtocol> protocol) {
  protocol_->set_app_protocol(std::move(protocol));
}

std::shared_ptr<BaseProtocol> SSLProtocolTransport::get_protocol() const { return protocol_->app_protocol_; }

bool SSLProtocolTransport::is_reading() const { return !protocol_->app_reading_paused_; }

void SSLProtocolTransport::pause_reading() { protocol_->pause_app_reading(); }

void SSLProtocolTransport::resume_reading() { protocol_->resume_app_reading(); }

void SSLProtocolTransport::write(std::string_view data) {
  if (data.empty()) return;
  protocol_->write_appdata(absl::MakeConstSpan(&data, 1));
}

void SSLProtocolTransport::writelines(absl::Span<const std::string> pieces) {
  std::vector<std::string_view> views(pieces.begin(), pieces.end());
  protocol_->write_appdata(views);
}

void SSLProtocolTransport::write_eof() { throw NotImplementedError(""); }

size_t SSLProtocolTransport::get_write_buffer_size() const { return protocol_->get_write_buffer_size(); }

std::pair<size_t, size_t> SSLProtocolTransport::get_write_buffer_limits() const {
  return {protocol_->outgoing_low_water_, protocol_->outgoing_high_water_};
}

void SSLProtocolTransport::set_write_buffer_limits(std::optional<size_t> high, std::optional<size_t> low) {
  protocol_->set_write_buffer_limits(high, low);
  protocol_->control_app_writing();
}

void SSLProtocolTransport::set_read_buffer_limits(std::optional<size_t> high, std::optional<size_t> low) {
  // sslproto.add_flowcontrol_defaults with FLOW_CONTROL_HIGH_WATER_SSL_READ.
  const size_t hi = high ? *high : (low ? 4 * *low : SSLProtocol::kReadHighWater);
  const size_t lo = low ? *low : hi / 4;
  if (hi < lo) {
    throw ValueError("high (" + std::to_string(hi) + ") must be >= low (" + std::to_string(lo) + ") must be >= 0");
  }
  protocol_->incoming_high_water_ = hi;
  protocol_->incoming_low_water_ = lo;
  protocol_->control_ssl_reading();
}

std::pair<size_t, size_t> SSLProtocolTransport::get_read_buffer_limits() const {
  return {protocol_->incoming_low_water_, protocol_->incoming_high_water_};
}

size_t SSLProtocolTransport::get_read_buffer_size() const { return protocol_->get_read_buffer_size(); }

}  // namespace seedloop
