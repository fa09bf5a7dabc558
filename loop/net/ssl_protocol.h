// SSLProtocol: CPython 3.11's asyncio.sslproto.SSLProtocol. A
// BufferedProtocol that sits between a socket transport (below) and the
// application's protocol (above): it runs OpenSSL over two memory BIOs
// (no OS calls), feeds the socket's bytes to SSL_do_handshake / SSL_read,
// writes what SSL_write / SSL_shutdown produce to the socket, and gives
// the application an SSLProtocolTransport (loop/net/ssl_transport.h).
// Most code never names it: create_connection / create_server with an
// SSLContext, or loop.start_tls, make one.
//
//   auto ssl = SSLProtocol::create(loop, app_protocol, context,
//                                  {.side = TlsSide::kClient, .server_hostname = "localhost", .waiter = waiter});
//   SocketTransport::create(loop, fd, ssl, {});   // ssl->connection_made starts the handshake
//   co_await waiter;                               // handshake done (or its error)
//   std::shared_ptr<Transport> app = ssl->app_transport();
//
// States, as sslproto.SSLProtocolState: UNWRAPPED -> DO_HANDSHAKE ->
// WRAPPED -> FLUSHING -> SHUTDOWN, and UNWRAPPED from anywhere.
//   - The handshake starts in connection_made, with a timer of
//     ssl_handshake_timeout seconds (default 60); when it fires first, the
//     connection is aborted with ConnectionAbortedError("SSL handshake is
//     taking longer than 60.0 seconds: aborting the connection"). A failed
//     handshake (SSLError, SSLCertVerificationError; ConnectionResetError
//     with no text if the peer closes first) aborts the socket and fails
//     the waiter; the application protocol never hears of the connection.
//   - After the handshake the application gets connection_made (unless
//     made by start_tls, where it already has a connection), then
//     data_received / buffer_updated, then eof_received once the peer's
//     close_notify arrives, then connection_lost.
//   - close() on the application transport flushes, sends close_notify and
//     waits for the peer's, at most ssl_shutdown_timeout seconds (default
//     30; then the socket is force-closed with TimeoutError("SSL shutdown
//     timed out")).
//   - Errors are reported as the socket transport's are (_fatal_error):
//     OSErrors only go to connection_lost; others also to the loop's
//     exception handler ("Fatal error on SSL protocol", "SSL handshake
//     failed", "SSL handshake failed on verifying the certificate").
//
// Flow control: above 256 KiB of undecrypted input the socket stops
// reading; above 512 KiB of unsent application data (plus unsent records)
// the application gets pause_writing, back at a quarter resume_writing.
//
// Ownership: the socket transport holds this protocol; this protocol holds
// the application transport and protocol until connection_lost. The
// application transport holds this protocol (so it stays valid, closed,
// after the connection is gone).
//
// Threads: the loop's thread only.

#ifndef SEEDLOOP_LOOP_NET_SSL_PROTOCOL_H_
#define SEEDLOOP_LOOP_NET_SSL_PROTOCOL_H_

#include <cstddef>
#include <deque>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/types/span.h"
#include "loop/event_loop.h"
#include "loop/future.h"
#include "loop/net/protocols.h"
#include "loop/net/server_options.h"
#include "loop/net/socket_transport.h"
#include "loop/net/ssl_context.h"

struct bio_st;  // OpenSSL's BIO

namespace seedloop {

class SSLProtocolTransport;

class SSLProtocol final : public BufferedProtocol, public std::enable_shared_from_this<SSLProtocol> {
 public:
  // asyncio's constants.
  static constexpr size_t kMaxSize = 256 * 1024;               // SSLProtocol.max_size
  static constexpr double kHandshakeTimeoutS = 60.0;           // SSL_HANDSHAKE_TIMEOUT
  static constexpr double kShutdownTimeoutS = 30.0;            // SSL_SHUTDOWN_TIMEOUT
  static constexpr size_t kReadHighWater = 256 * 1024;         // FLOW_CONTROL_HIGH_WATER_SSL_READ
  static constexpr size_t kWriteHighWater = 512 * 1024;        // FLOW_CONTROL_HIGH_WATER_SSL_WRITE
  static constexpr int kLogThresholdForConnLostWrites = 5;     // LOG_THRESHOLD_FOR_CONNLOST_WRITES

  // start_tls passes kAlreadyMade: the application protocol is connected.
  enum class AppConnection { kCallConnectionMade, kAlreadyMade };

  struct Options {
    TlsSide side = TlsSide::kClient;
    // Client only: SNI and the name the certificate must match (when the
    // context's check_hostname is on). Empty: Python's None (no name check).
    std::string server_hostname;
    std::optional<double> ssl_handshake_timeout;  // nullopt: 60 s
    std::optional<double> ssl_shutdown_timeout;   // nullopt: 30 s
    std::optional<Future<void>> waiter;           // the handshake's outcome
    AppConnection app_connection = AppConnection::kCallConnectionMade;
  };

  // Raises ValueError for a timeout <= 0 ("ssl_handshake_timeout should be
  // a positive number, got 0.0") and for a server without a context
  // ("Server side SSL needs a valid SSLContext"); SSLError for a context
  // of the other side ("Cannot create a client socket with a
  // PROTOCOL_TLS_SERVER context"). A client without a context gets
  // create_default_context() (Python's ssl=True). A client with no
  // server_hostname checks the chain but no name, as CPython 3.11 does.
  static std::shared_ptr<SSLProtocol> create(EventLoop& loop, std::shared_ptr<BaseProtocol> app_protocol,
                                             std::shared_ptr<SSLContext> context, Options options);
  ~SSLProtocol() override;
  SSLProtocol(const SSLProtocol&) = delete;
  SSLProtocol& operator=(const SSLProtocol&) = delete;

  // The transport the application uses (the same object every time, until
  // connection_lost).
  std::shared_ptr<SSLProtocolTransport> app_transport() const { return app_transport_; }

  // BufferedProtocol, for the socket transport below.
  void connection_made(std::shared_ptr<Transport> transport) override;
  void connection_lost(std::exception_ptr exception) override;
  absl::Span<char> get_buffer(size_t sizehint) override;
  void buffer_updated(size_t nbytes) override;
  bool eof_received() override;
  void pause_writing() override;
  void resume_writing() override;

 private:
  friend class SSLProtocolTransport;
  enum class State { kUnwrapped, kDoHandshake, kWrapped, kFlushing, kShutdown };
  enum class AppState { kInit, kConMade, kEof, kConLost };

  SSLProtocol(EventLoop& loop, std::shared_ptr<SSLContext> context, Options options);

  // ssl_protocol.cc: state machine, handshake, shutdown, errors.
  void set_state(State next);
  void set_app_protocol(std::shared_ptr<BaseProtocol> protocol);
  void wakeup_waiter(std::exception_ptr exception);
  ExtraInfo get_extra_info(std::string_view name) const;
  void start_handshake();
  void check_handshake_timeout();
  void do_handshake();
  void on_handshake_complete(std::exception_ptr failure);
  void start_shutdown();
  void check_shutdown_timeout();
  void do_flush();
  void do_shutdown();
  void on_shutdown_complete(std::exception_ptr failure);
  void abort_connection(std::exception_ptr exception);
  void fatal_error(std::exception_ptr exception, const char* message = "Fatal error on transport");

  // ssl_protocol_io.cc: data in both directions and flow control.
  void write_appdata(absl::Span<const std::string_view> pieces);
  void do_write();
  void process_outgoing();
  void do_read();
  void do_read_buffered(BufferedProtocol& app);
  void do_read_copied(Protocol& app);
  void call_eof_received();
  void control_app_writing();
  size_t get_write_buffer_size() const;
  void set_write_buffer_limits(std::optional<size_t> high, std::optional<size_t> low);
  void pause_app_reading() { app_reading_paused_ = true; }
  void resume_app_reading();
  void control_ssl_reading();
  size_t get_read_buffer_size() const;
  void call_app(const char* message, const std::function<void()>& call);

  EventLoop* loop_;
  std::shared_ptr<SSLContext> context_;
  TlsSide side_;
  std::string server_hostname_;
  double handshake_timeout_s_;
  double shutdown_timeout_s_;
  std::optional<Future<void>> waiter_;

  ssl_st* ssl_ = nullptr;       // owns the two BIOs
  bio_st* incoming_ = nullptr;  // socket bytes waiting for OpenSSL
  bio_st* outgoing_ = nullptr;  // records waiting for the socket
  std::vector<char> ssl_buffer_;

  State state_ = State::kUnwrapped;
  AppState app_state_;
  std::shared_ptr<BaseProtocol> app_protocol_;
  std::shared_ptr<SSLProtocolTransport> app_transport_;
  std::shared_ptr<Transport> transport_;  // the socket's
  int conn_lost_ = 0;
  bool handshake_done_ = false;  // extra info below is set
  CipherInfo cipher_;
  std::optional<PeerCert> peercert_;
  TimerHandle handshake_timeout_handle_;
  TimerHandle shutdown_timeout_handle_;

  std::deque<std::string> write_backlog_;  // the front's first write_offset_ bytes are written
  size_t write_offset_ = 0;
  size_t write_buffer_size_ = 0;

  bool ssl_writing_paused_ = false;
  bool app_reading_paused_ = false;
  bool ssl_reading_paused_ = false;
  bool eof_received_ = false;
  bool app_writing_paused_ = false;
  size_t incoming_high_water_ = kReadHighWater;
  size_t incoming_low_water_ = kReadHighWater / 4;
  size_t outgoing_high_water_ = kWriteHighWater;
  size_t outgoing_low_water_ = kWriteHighWater / 4;
};

namespace internal {

// selector_events._make_ssl_transport: an SSLProtocol for `protocol` over
// a new SocketTransport on `fd` (which it takes: closed if the SSLProtocol
// cannot be made); `waiter` gets the handshake's outcome. Returns the
// application's transport.
std::shared_ptr<Transport> make_ssl_transport(EventLoop& loop, int fd, std::shared_ptr<BaseProtocol> protocol,
                                              std::shared_ptr<SSLContext> context, Future<void> waiter, SSLProtocol::Options ssl_options,
                                              SocketTransport::Options socket_options);
// create_connection's / create_server's checks of the TLS arguments
// (ValueErrors with asyncio's texts); fills in server_hostname from host.
void check_tls_options(const std::string& host, ConnectionOptions* options);
void check_tls_options(const ServerOptions& options);
SSLProtocol::Options client_ssl_options(const ConnectionOptions& options);
SSLProtocol::Options server_ssl_options(const ServerTls& tls);

}  // namespace internal

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_NET_SSL_PROTOCOL_H_
