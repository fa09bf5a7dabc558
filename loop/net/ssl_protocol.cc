// SSLProtocol's state machine, handshake and shutdown (CPython 3.11
// Lib/asyncio/sslproto.py; data flow is in ssl_protocol_io.cc).

#include "loop/net/ssl_protocol.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cassert>
#include <charconv>
#include <utility>

#include "loop/errors.h"
#include "loop/net/internal/openssl_text.h"
#include "loop/net/ssl_transport.h"
#include "loop/sock_addr.h"

namespace seedloop {

namespace {

// Python's repr() of a float: the shortest round-trip form, with ".0".
std::string py_float(double value) {
  char text[64];
  const auto [end, ec] = std::to_chars(text, text + sizeof(text), value);
  std::string s(text, ec == std::errc() ? end : text);
  if (s.find_first_of(".eni") == std::string::npos) s += ".0";
  return s;
}

double checked_timeout(std::optional<double> given, double fallback, const char* name) {
  if (!given) return fallback;
  if (*given <= 0) throw ValueError(std::string(name) + " should be a positive number, got " + py_float(*given));
  return *given;
}

bool is_ip_address(const std::string& host) { return SockAddr::ip(host, 0).ok(); }

// sslproto.SSLProtocolState's str(), for "cannot switch state" errors.
const char* state_name(int state) {
  static constexpr const char* kNames[] = {"SSLProtocolState.UNWRAPPED", "SSLProtocolState.DO_HANDSHAKE",
                                           "SSLProtocolState.WRAPPED", "SSLProtocolState.FLUSHING",
                                           "SSLProtocolState.SHUTDOWN"};
  return kNames[state];
}

}  // namespace

std::shared_ptr<SSLProtocol> SSLProtocol::create(EventLoop& loop, std::shared_ptr<BaseProtocol> app_protocol,
                                                 std::shared_ptr<SSLContext> context, Options options) {
  if (!context) {
    // sslproto._create_transport_context: ssl=True on a client is the
    // default context (no name check without a name).
    if (options.side == TlsSide::kServer) throw ValueError("Server side SSL needs a valid SSLContext");
    absl::StatusOr<std::shared_ptr<SSLContext>> made = SSLContext::create_default_context();
    if (!made.ok()) throw SSLError(0, std::string(made.status().message()));
    context = *std::move(made);
    if (options.server_hostname.empty()) context->set_check_hostname(false);
  }
  if (context->side() != options.side) {
    // _ssl.c's wrap_bio checks.
    throw SSLError(0, options.side == TlsSide::kServer
                          ? "Cannot create a server socket with a PROTOCOL_TLS_CLIENT context"
                          : "Cannot create a client socket with a PROTOCOL_TLS_SERVER context");
  }
  std::shared_ptr<SSLProtocol> protocol(new SSLProtocol(loop, std::move(context), std::move(options)));
  protocol->set_app_protocol(std::move(app_protocol));
  protocol->app_transport_ = std::shared_ptr<SSLProtocolTransport>(new SSLProtocolTransport(loop, protocol));
  return protocol;
}

SSLProtocol::SSLProtocol(EventLoop& loop, std::shared_ptr<SSLContext> context, Options options)
    : loop_(&loop),
      context_(std::move(context)),
      side_(options.side),
      server_hostname_(options.side == TlsSide::kClient ? options.server_hostname : ""),
      handshake_timeout_s_(checked_timeout(options.ssl_handshake_timeout, kHandshakeTimeoutS, "ssl_handshake_timeout")),
      shutdown_timeout_s_(checked_timeout(options.ssl_shutdown_timeout, kShutdownTimeoutS, "ssl_shutdown_timeout")),
      waiter_(std::move(options.waiter)),
      ssl_buffer_(kMaxSize),
      app_state_(options.app_connection == AppConnection::kCallConnectionMade ? AppState::kInit : AppState::kConMade) {
  ssl_ = SSL_new(context_->native_handle());
  if (ssl_ == nullptr) throw SSLError(1, internal::pop_openssl_error_text("SSL_new failed"));
  incoming_ = BIO_new(BIO_s_mem());
  outgoing_ = BIO_new(BIO_s_mem());
  // An empty memory BIO means "want more", not EOF (Python's MemoryBIO).
  BIO_set_mem_eof_return(incoming_, -1);
  BIO_set_mem_eof_return(outgoing_, -1);
  SSL_set_bio(ssl_, incoming_, outgoing_);
  if (side_ == TlsSide::kServer) {
    SSL_set_accept_state(ssl_);
    return;
  }
  SSL_set_connect_state(ssl_);
  if (server_hostname_.empty()) return;
  // _ssl.c _ssl_configure_hostname: SNI for names only; the check for both.
  const bool ip = is_ip_address(server_hostname_);
  if (!ip) SSL_set_tlsext_host_name(ssl_, server_hostname_.c_str());
  if (context_->check_hostname()) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl_);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (ip) {
      X509_VERIFY_PARAM_set1_ip_asc(param, server_hostname_.c_str());
    } else {
      X509_VERIFY_PARAM_set1_host(param, server_hostname_.c_str(), 0);
    }
  }
}

SSLProtocol::~SSLProtocol() {
  if (handshake_timeout_handle_) handshake_timeout_handle_.cancel();
  if (shutdown_timeout_handle_) shutdown_timeout_handle_.cancel();
  SSL_free(ssl_);
}

void SSLProtocol::set_app_protocol(std::shared_ptr<BaseProtocol> protocol) { app_protocol_ = std::move(protocol); }

void SSLProtocol::wakeup_waiter(std::exception_ptr exception) {
  if (!waiter_) return;
  if (!waiter_->cancelled()) {
    if (exception) {
      waiter_->set_exception(exception);
    } else {
      waiter_->set_result();
    }
  }
  waiter_.reset();
}

ExtraInfo SSLProtocol::get_extra_info(std::string_view name) const {
  if (name == "sslcontext") return context_;
  if (handshake_done_) {
    if (name == "cipher") return cipher_;
    if (name == "peercert") return peercert_ ? ExtraInfo(*peercert_) : ExtraInfo();
    if (name == "ssl_object") return SslObject{ssl_};
    if (name == "compression") return ExtraInfo();
  }
  if (transport_) return transport_->get_extra_info(name);
  return ExtraInfo();
}

void SSLProtocol::connection_made(std::shared_ptr<Transport> transport) {
  transport_ = std::move(transport);
  start_handshake();
}

void SSLProtocol::connection_lost(std::exception_ptr exception) {
  write_backlog_.clear();
  write_offset_ = 0;
  write_buffer_size_ = 0;
  (void)BIO_reset(outgoing_);
  ++conn_lost_;
  if (app_transport_) app_transport_->closed_ = true;
  if (state_ != State::kDoHandshake && (app_state_ == AppState::kConMade || app_state_ == AppState::kEof)) {
    app_state_ = AppState::kConLost;
    std::shared_ptr<BaseProtocol> app = app_protocol_;
    loop_->call_soon([app, exception] { app->connection_lost(exception); });
  }
  set_state(State::kUnwrapped);
  transport_.reset();
  app_transport_.reset();
  app_protocol_.reset();
  wakeup_waiter(exception);
  if (shutdown_timeout_handle_) shutdown_timeout_handle_.cancel();
  shutdown_timeout_handle_ = TimerHandle();
  if (handshake_timeout_handle_) handshake_timeout_handle_.cancel();
  handshake_timeout_handle_ = TimerHandle();
}

absl::Span<char> SSLProtocol::get_buffer(size_t sizehint) {
  size_t want = sizehint;
  if (want == 0 || want > kMaxSize) want = kMaxSize;
  if (ssl_buffer_.size() < want) ssl_buffer_.resize(want);
  return absl::MakeSpan(ssl_buffer_);
}

void SSLProtocol::buffer_updated(size_t nbytes) {
  assert(nbytes <= ssl_buffer_.size() && "buffer_updated beyond get_buffer's span");
  BIO_write(incoming_, ssl_buffer_.data(), static_cast<int>(nbytes));
  switch (state_) {
    case State::kDoHandshake: do_handshake(); break;
    case State::kWrapped: do_read(); break;
    case State::kFlushing: do_flush(); break;
    case State::kShutdown: do_shutdown(); break;
    case State::kUnwrapped: break;
  }
}

bool SSLProtocol::eof_received() {
  eof_received_ = true;
  std::exception_ptr failure;
  try {
    switch (state_) {
      case State::kDoHandshake:
        on_handshake_complete(std::make_exception_ptr(ConnectionResetError(0, "")));
        break;
      case State::kWrapped:
        set_state(State::kFlushing);
        if (app_reading_paused_) return true;
        do_flush();
        break;
      case State::kFlushing:
        do_write();
        set_state(State::kShutdown);
        do_shutdown();
        break;
      case State::kShutdown:
        do_shutdown();
        break;
      case State::kUnwrapped:
        break;
    }
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) {
    if (transport_) transport_->close();
    std::rethrow_exception(failure);
  }
  return false;
}

void SSLProtocol::set_state(State next) {
  const bool allowed = next == State::kUnwrapped ||
                       (state_ == State::kUnwrapped && next == State::kDoHandshake) ||
                       (state_ == State::kDoHandshake && next == State::kWrapped) ||
                       (state_ == State::kWrapped && next == State::kFlushing) ||
                       (state_ == State::kFlushing && next == State::kShutdown);
  if (!allowed) {
    throw RuntimeError(std::string("cannot switch state from ") + state_name(static_cast<int>(state_)) + " to " +
                       state_name(static_cast<int>(next)));
  }
  state_ = next;
}

void SSLProtocol::start_handshake() {
  set_state(State::kDoHandshake);
  std::weak_ptr<SSLProtocol> weak = weak_from_this();
  handshake_timeout_handle_ = loop_->call_later(handshake_timeout_s_, [weak] {
    if (std::shared_ptr<SSLProtocol> self = weak.lock()) self->check_handshake_timeout();
  });
  do_handshake();
}

void SSLProtocol::check_handshake_timeout() {
  if (state_ != State::kDoHandshake) return;
  fatal_error(std::make_exception_ptr(ConnectionAbortedError(
      0, "SSL handshake is taking longer than " + py_float(handshake_timeout_s_) + " seconds: aborting the connection")));
}

void SSLProtocol::do_handshake() {
  ERR_clear_error();
  const int result = SSL_do_handshake(ssl_);
  if (result == 1) {
    on_handshake_complete(nullptr);
    return;
  }
  const int code = SSL_get_error(ssl_, result);
  // sslproto's SSLAgainErrors: SSLWantReadError and SSLSyscallError.
  if (code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE ||
      (code == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)) {
    process_outgoing();
    return;
  }
  on_handshake_complete(internal::ssl_exception(ssl_, code));
}

void SSLProtocol::on_handshake_complete(std::exception_ptr failure) {
  if (handshake_timeout_handle_) handshake_timeout_handle_.cancel();
  handshake_timeout_handle_ = TimerHandle();
  if (failure) {
    set_state(State::kUnwrapped);
    bool certificate = false;
    try {
      std::rethrow_exception(failure);
    } catch (const SSLCertVerificationError&) {
      certificate = true;
    } catch (...) {
    }
    fatal_error(failure, certificate ? "SSL handshake failed on verifying the certificate" : "SSL handshake failed");
    wakeup_waiter(failure);
    return;
  }
  set_state(State::kWrapped);
  bool has_cert = false;
  PeerCert cert = internal::peer_cert(ssl_, &has_cert);
  if (has_cert) peercert_ = std::move(cert);
  cipher_ = internal::cipher_info(ssl_);
  handshake_done_ = true;
  if (app_state_ == AppState::kInit) {
    app_state_ = AppState::kConMade;
    app_protocol_->connection_made(app_transport_);
  }
  wakeup_waiter(nullptr);
  do_read();
}

void SSLProtocol::start_shutdown() {
  if (state_ == State::kFlushing || state_ == State::kShutdown || state_ == State::kUnwrapped) return;
  if (app_transport_) app_transport_->closed_ = true;
  if (state_ == State::kDoHandshake) {
    abort_connection(nullptr);
    return;
  }
  set_state(State::kFlushing);
  std::weak_ptr<SSLProtocol> weak = weak_from_this();
  shutdown_timeout_handle_ = loop_->call_later(shutdown_timeout_s_, [weak] {
    if (std::shared_ptr<SSLProtocol> self = weak.lock()) self->check_shutdown_timeout();
  });
  do_flush();
}

void SSLProtocol::check_shutdown_timeout() {
  if ((state_ == State::kFlushing || state_ == State::kShutdown) && transport_) {
    transport_->force_close(std::make_exception_ptr(TimeoutError("SSL shutdown timed out")));
  }
}

void SSLProtocol::do_flush() {
  do_read();
  set_state(State::kShutdown);
  do_shutdown();
}

void SSLProtocol::do_shutdown() {
  if (!eof_received_) {
    // _ssl.c SSLObject.unwrap: SSL_shutdown until it reports both
    // close_notifys (1), or twice "sent, not yet received" (0).
    int result = 0;
    for (int zeros = 0;;) {
      ERR_clear_error();
      result = SSL_shutdown(ssl_);
      if (result != 0 || ++zeros > 1) break;
    }
    if (result < 0) {
      const int code = SSL_get_error(ssl_, result);
      if (code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE || code == SSL_ERROR_SYSCALL) {
        process_outgoing();
        return;
      }
      on_shutdown_complete(internal::ssl_exception(ssl_, code));
      return;
    }
  }
  process_outgoing();
  call_eof_received();
  on_shutdown_complete(nullptr);
}

void SSLProtocol::on_shutdown_complete(std::exception_ptr failure) {
  if (shutdown_timeout_handle_) shutdown_timeout_handle_.cancel();
  shutdown_timeout_handle_ = TimerHandle();
  if (failure) {
    fatal_error(failure);
    return;
  }
  std::shared_ptr<Transport> transport = transport_;
  if (transport) loop_->call_soon([transport] { transport->close(); });
}

void SSLProtocol::abort_connection(std::exception_ptr exception) {
  set_state(State::kUnwrapped);
  if (!transport_) return;
  if (exception) {
    transport_->force_close(exception);
  } else {
    transport_->abort();
  }
}

void SSLProtocol::fatal_error(std::exception_ptr exception, const char* message) {
  assert(exception && "a fatal error needs an exception");
  if (transport_) transport_->force_close(exception);
  bool os_error = false;
  try {
    std::rethrow_exception(exception);
  } catch (const OSError&) {
    os_error = true;
  } catch (...) {
  }
  if (os_error || is_cancelled_error(exception)) return;
  ExceptionContext context;
  context.message = message;
  context.exception = exception;
  context.extra["protocol"] = "<asyncio.sslproto.SSLProtocol object>";
  loop_->call_exception_handler(context);
}

}  // namespace seedloop
