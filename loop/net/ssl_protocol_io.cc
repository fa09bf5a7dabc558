// SSLProtocol's data flow: application writes through SSL_write to the
// socket, socket bytes through SSL_read to the application, and the flow
// control between them (CPython 3.11 Lib/asyncio/sslproto.py, "Outgoing
// flow" to "Flow control for writes to SSL socket").

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cassert>
#include <climits>
#include <string>
#include <utility>

#include "loop/errors.h"
#include "loop/net/internal/openssl_text.h"
#include "loop/net/ssl_protocol.h"
#include "loop/net/ssl_transport.h"

namespace seedloop {

namespace {

// sslproto's SSLAgainErrors (SSLWantReadError, SSLSyscallError), plus
// WANT_WRITE, which a memory BIO never gives but costs nothing to treat.
bool is_again(int code) {
  return code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE || code == SSL_ERROR_SYSCALL;
}

}  // namespace

// Calls an application protocol method the way sslproto does in
// _control_app_writing: a failure goes to the exception handler.
void SSLProtocol::call_app(const char* message, const std::function<void()>& call) {
  std::exception_ptr failure;
  try {
    call();
  } catch (...) {
    failure = std::current_exception();
  }
  if (!failure) return;
  if (is_exit_exception(failure)) std::rethrow_exception(failure);
  ExceptionContext context;
  context.message = message;
  context.exception = failure;
  context.extra["protocol"] = "<asyncio.sslproto.SSLProtocol object>";
  loop_->call_exception_handler(context);
}

void SSLProtocol::write_appdata(absl::Span<const std::string_view> pieces) {
  if (state_ == State::kFlushing || state_ == State::kShutdown || state_ == State::kUnwrapped) {
    if (conn_lost_ >= kLogThresholdForConnLostWrites) {
      ExceptionContext context;  // asyncio logs a warning
      context.message = "SSL connection is closed";
      loop_->call_exception_handler(context);
    }
    ++conn_lost_;
    return;
  }
  for (std::string_view piece : pieces) {
    if (piece.empty()) continue;
    write_backlog_.emplace_back(piece);
    write_buffer_size_ += piece.size();
  }
  std::exception_ptr failure;
  try {
    if (state_ == State::kWrapped) do_write();
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) {
    if (!is_exception_class(failure)) std::rethrow_exception(failure);
    fatal_error(failure, "Fatal error on SSL protocol");
  }
}

void SSLProtocol::do_write() {
  while (!write_backlog_.empty()) {
    const std::string& data = write_backlog_.front();
    const size_t left = data.size() - write_offset_;
    ERR_clear_error();
    const int count = SSL_write(ssl_, data.data() + write_offset_, static_cast<int>(std::min<size_t>(left, INT_MAX)));
    if (count <= 0) {
      const int code = SSL_get_error(ssl_, count);
      if (is_again(code)) break;
      std::rethrow_exception(internal::ssl_exception(ssl_, code));
    }
    write_buffer_size_ -= static_cast<size_t>(count);
    if (static_cast<size_t>(count) < left) {
      write_offset_ += static_cast<size_t>(count);
    } else {
      write_backlog_.pop_front();
      write_offset_ = 0;
    }
  }
  process_outgoing();
}

void SSLProtocol::process_outgoing() {
  if (!ssl_writing_paused_ && transport_) {
    char* data = nullptr;
    const long pending = BIO_get_mem_data(outgoing_, &data);
    if (pending > 0) {
      std::string records(data, static_cast<size_t>(pending));
      (void)BIO_reset(outgoing_);
      transport_->write(records);
    }
  }
  control_app_writing();
}

void SSLProtocol::do_read() {
  if (state_ != State::kWrapped && state_ != State::kFlushing) return;
  std::exception_ptr failure;
  try {
    if (!app_reading_paused_) {
      std::shared_ptr<BaseProtocol> app = app_protocol_;  // the app may close us
      if (auto* buffered = dynamic_cast<BufferedProtocol*>(app.get())) {
        do_read_buffered(*buffered);
      } else if (auto* plain = dynamic_cast<Protocol*>(app.get())) {
        do_read_copied(*plain);
      }
      if (!write_backlog_.empty()) {
        do_write();
      } else {
        process_outgoing();
      }
    }
    control_ssl_reading();
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) {
    if (!is_exception_class(failure)) std::rethrow_exception(failure);
    fatal_error(failure, "Fatal error on SSL protocol");
  }
}

// Reads one SSL record's worth into `buffer`: the count, 0 for the peer's
// close_notify, -1 for "nothing more now". Raises other failures.
static int ssl_read_some(ssl_st* ssl, char* buffer, size_t size) {
  ERR_clear_error();
  const int count = SSL_read(ssl, buffer, static_cast<int>(std::min<size_t>(size, INT_MAX)));
  if (count > 0) return count;
  const int code = SSL_get_error(ssl, count);
  if (code == SSL_ERROR_ZERO_RETURN) return 0;
  if (is_again(code)) return -1;
  std::rethrow_exception(internal::ssl_exception(ssl, code));
}

void SSLProtocol::do_read_buffered(BufferedProtocol& app) {
  absl::Span<char> buffer = app.get_buffer(get_read_buffer_size());
  const size_t wants = buffer.size();
  size_t offset = 0;
  int count = 1;
  std::exception_ptr failure;
  try {
    while (offset < wants) {
      count = ssl_read_some(ssl_, buffer.data() + offset, wants - offset);
      if (count <= 0) break;
      offset += static_cast<size_t>(count);
    }
    if (offset == wants && wants > 0) {
      // The buffer is full: more may be waiting (sslproto's call_soon(_do_read)).
      std::weak_ptr<SSLProtocol> weak = weak_from_this();
      loop_->call_soon([weak] {
        if (std::shared_ptr<SSLProtocol> self = weak.lock()) self->do_read();
      });
    }
  } catch (...) {
    failure = std::current_exception();
  }
  if (offset > 0) app.buffer_updated(offset);
  if (failure) std::rethrow_exception(failure);
  if (count == 0) {  // close_notify
    call_eof_received();
    start_shutdown();
  }
}

void SSLProtocol::do_read_copied(Protocol& app) {
  std::string data;
  int count = 1;
  char chunk[16 * 1024];
  while (data.size() < kMaxSize * 4) {
    count = ssl_read_some(ssl_, chunk, sizeof(chunk));
    if (count <= 0) break;
    data.append(chunk, static_cast<size_t>(count));
  }
  if (count > 0) {
    // Stopped at the bound with plaintext possibly left: come back for it.
    std::weak_ptr<SSLProtocol> weak = weak_from_this();
    loop_->call_soon([weak] {
      if (std::shared_ptr<SSLProtocol> self = weak.lock()) self->do_read();
    });
  }
  if (!data.empty()) app.data_received(data);
  if (count == 0) {  // close_notify
    call_eof_received();
    start_shutdown();
  }
}

void SSLProtocol::call_eof_received() {
  if (app_state_ != AppState::kConMade) return;
  app_state_ = AppState::kEof;
  std::shared_ptr<BaseProtocol> app = app_protocol_;
  std::exception_ptr failure;
  bool keep_open = false;
  try {
    if (auto* buffered = dynamic_cast<BufferedProtocol*>(app.get())) {
      keep_open = buffered->eof_received();
    } else if (auto* plain = dynamic_cast<Protocol*>(app.get())) {
      keep_open = plain->eof_received();
    }
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) {
    if (is_exit_exception(failure)) std::rethrow_exception(failure);
    fatal_error(failure, "Error calling eof_received()");
    return;
  }
  if (keep_open) {
    ExceptionContext context;  // asyncio logs this warning
    context.message = "returning true from eof_received() has no effect when using ssl";
    loop_->call_exception_handler(context);
  }
}

void SSLProtocol::control_app_writing() {
  const size_t size = get_write_buffer_size();
  if (size >= outgoing_high_water_ && !app_writing_paused_) {
    app_writing_paused_ = true;
    std::shared_ptr<BaseProtocol> app = app_protocol_;
    if (app) call_app("protocol.pause_writing() failed", [&] { app->pause_writing(); });
  } else if (size <= outgoing_low_water_ && app_writing_paused_) {
    app_writing_paused_ = false;
    std::shared_ptr<BaseProtocol> app = app_protocol_;
    if (app) call_app("protocol.resume_writing() failed", [&] { app->resume_writing(); });
  }
}

size_t SSLProtocol::get_write_buffer_size() const { return BIO_ctrl_pending(outgoing_) + write_buffer_size_; }

// sslproto.add_flowcontrol_defaults.
void SSLProtocol::set_write_buffer_limits(std::optional<size_t> high, std::optional<size_t> low) {
  const size_t hi = high ? *high : (low ? 4 * *low : kWriteHighWater);
  const size_t lo = low ? *low : hi / 4;
  if (hi < lo) {
    throw ValueError("high (" + std::to_string(hi) + ") must be >= low (" + std::to_string(lo) + ") must be >= 0");
  }
  outgoing_high_water_ = hi;
  outgoing_low_water_ = lo;
}

void SSLProtocol::resume_app_reading() {
  if (!app_reading_paused_) return;
  app_reading_paused_ = false;
  std::weak_ptr<SSLProtocol> weak = weak_from_this();
  loop_->call_soon([weak] {
    std::shared_ptr<SSLProtocol> self = weak.lock();
    if (!self) return;
    if (self->state_ == State::kWrapped) {
      self->do_read();
    } else if (self->state_ == State::kFlushing) {
      self->do_flush();
    } else if (self->state_ == State::kShutdown) {
      self->do_shutdown();
    }
  });
}

void SSLProtocol::control_ssl_reading() {
  if (!transport_) return;
  const size_t size = get_read_buffer_size();
  if (size >= incoming_high_water_ && !ssl_reading_paused_) {
    ssl_reading_paused_ = true;
    transport_->pause_reading();
  } else if (size <= incoming_low_water_ && ssl_reading_paused_) {
    ssl_reading_paused_ = false;
    transport_->resume_reading();
  }
}

size_t SSLProtocol::get_read_buffer_size() const { return BIO_ctrl_pending(incoming_); }

void SSLProtocol::pause_writing() {
  assert(!ssl_writing_paused_ && "pause_writing twice");
  ssl_writing_paused_ = true;
}

void SSLProtocol::resume_writing() {
  assert(ssl_writing_paused_ && "resume_writing without pause_writing");
  ssl_writing_paused_ = false;
  process_outgoing();
}

}  // namespace seedloop
