// TLS for the loop's connection methods: start_tls, and the pieces
// create_connection / create_server use (CPython 3.11 base_events.py
// create_connection's argument checks and start_tls;
// selector_events._make_ssl_transport).

#include <exception>
#include <memory>
#include <string>
#include <utility>

#include "loop/errors.h"
#include "loop/event_loop.h"
#include "loop/net/internal/connection_made.h"
#include "loop/net/socket_transport.h"
#include "loop/net/ssl_protocol.h"
#include "loop/net/ssl_transport.h"

namespace seedloop {

namespace internal {

std::shared_ptr<Transport> make_ssl_transport(EventLoop& loop, int fd, std::shared_ptr<BaseProtocol> protocol,
                                              std::shared_ptr<SSLContext> context, Future<void> waiter,
                                              SSLProtocol::Options ssl_options,
                                              SocketTransport::Options socket_options) {
  ssl_options.waiter = std::move(waiter);
  socket_options.waiter.reset();  // the handshake, not the socket, answers the waiter
  std::shared_ptr<SSLProtocol> ssl_protocol;
  try {
    ssl_protocol = SSLProtocol::create(loop, std::move(protocol), std::move(context), std::move(ssl_options));
  } catch (...) {
    (void)loop.socket_ops().close(fd);
    throw;
  }
  SocketTransport::create(loop, fd, ssl_protocol, std::move(socket_options));
  return ssl_protocol->app_transport();
}

void check_tls_options(const std::string& host, ConnectionOptions* options) {
  if (options->server_hostname && !options->ssl) throw ValueError("server_hostname is only meaningful with ssl");
  if (!options->server_hostname && options->ssl) {
    // "Use host as default for server_hostname."
    if (host.empty()) throw ValueError("You must set server_hostname when using ssl without a host");
    options->server_hostname = host;
  }
  if (options->ssl_handshake_timeout && !options->ssl) {
    throw ValueError("ssl_handshake_timeout is only meaningful with ssl");
  }
  if (options->ssl_shutdown_timeout && !options->ssl) {
    throw ValueError("ssl_shutdown_timeout is only meaningful with ssl");
  }
}

void check_tls_options(const ServerOptions& options) {
  if (options.ssl_handshake_timeout && !options.ssl) {
    throw ValueError("ssl_handshake_timeout is only meaningful with ssl");
  }
  if (options.ssl_shutdown_timeout && !options.ssl) throw ValueError("ssl_shutdown_timeout is only meaningful with ssl");
}

SSLProtocol::Options client_ssl_options(const ConnectionOptions& options) {
  SSLProtocol::Options ssl;
  ssl.side = TlsSide::kClient;
  ssl.server_hostname = options.server_hostname.value_or("");
  ssl.ssl_handshake_timeout = options.ssl_handshake_timeout;
  ssl.ssl_shutdown_timeout = options.ssl_shutdown_timeout;
  return ssl;
}

SSLProtocol::Options server_ssl_options(const ServerTls& tls) {
  SSLProtocol::Options ssl;
  ssl.side = TlsSide::kServer;
  ssl.ssl_handshake_timeout = tls.ssl_handshake_timeout;
  ssl.ssl_shutdown_timeout = tls.ssl_shutdown_timeout;
  return ssl;
}

}  // namespace internal

// base_events.start_tls.
Coro<std::shared_ptr<Transport>> EventLoop::start_tls(std::shared_ptr<Transport> transport,
                                                      std::shared_ptr<BaseProtocol> protocol,
                                                      std::shared_ptr<SSLContext> sslcontext,
                                                      StartTlsOptions options) {
  if (!sslcontext) throw TypeError("sslcontext is expected to be an instance of ssl.SSLContext, got None");
  // _start_tls_compatible: socket transports and TLS ones.
  if (dynamic_cast<SocketTransport*>(transport.get()) == nullptr &&
      dynamic_cast<SSLProtocolTransport*>(transport.get()) == nullptr) {
    throw TypeError("transport is not supported by start_tls()");
  }
  Future<void> waiter = create_future();
  SSLProtocol::Options ssl_options;
  ssl_options.side = options.server_side ? TlsSide::kServer : TlsSide::kClient;
  ssl_options.server_hostname = options.server_hostname;
  ssl_options.ssl_handshake_timeout = options.ssl_handshake_timeout;
  ssl_options.ssl_shutdown_timeout = options.ssl_shutdown_timeout;
  ssl_options.waiter = waiter;
  ssl_options.app_connection = SSLProtocol::AppConnection::kAlreadyMade;
  std::shared_ptr<SSLProtocol> ssl_protocol =
      SSLProtocol::create(*this, std::move(protocol), std::move(sslcontext), std::move(ssl_options));
  // "Pause early so that ssl_protocol.data_received() doesn't have a
  // chance to get called before ssl_protocol.connection_made()."
  transport->pause_reading();
  transport->set_protocol(ssl_protocol);
  Handle conmade = call_soon([ssl_protocol, transport] { ssl_protocol->connection_made(transport); });
  Handle resume = call_soon([transport] { transport->resume_reading(); });
  Coro<void> made = internal::wait_connection_made(waiter, [transport, conmade, resume]() mutable {
    transport->close();
    conmade.cancel();
    resume.cancel();
  });
  co_await std::move(made);
  co_return ssl_protocol->app_transport();
}

}  // namespace seedloop
