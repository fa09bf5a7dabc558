// SSLContext: Python's ssl.SSLContext, as much of it as asyncio users
// need, over an OpenSSL 3.0 SSL_CTX. Hand one to create_connection /
// create_server / start_tls (ConnectionOptions::ssl, ServerOptions::ssl,
// EventLoop::start_tls) to get TLS over the connection
// (loop/net/ssl_protocol.h).
//
//   // Server: a certificate chain and its key (PEM files).
//   std::shared_ptr<SSLContext> server_ctx = *SSLContext::create_default_context(Purpose::kClientAuth);
//   absl::Status loaded = server_ctx->load_cert_chain("server.pem", "server.key");
//   std::shared_ptr<Server> server =
//       co_await loop.create_server(factory, "127.0.0.1", 8443, {.ssl = server_ctx});
//
//   // Client: trust one CA; the server's name is checked against `host`
//   // (or ConnectionOptions::server_hostname) and sent as SNI.
//   std::shared_ptr<SSLContext> client_ctx = *SSLContext::create_default_context(
//       Purpose::kServerAuth, {.cafile = "ca.pem"});
//   Streams s = co_await open_connection("localhost", 8443, StreamReader::kDefaultLimit,
//                                        {.ssl = client_ctx});
//
// Python's defaults: a client context (Purpose::kServerAuth, Python's
// PROTOCOL_TLS_CLIENT) verifies the peer (CERT_REQUIRED) and its host name
// (check_hostname); a server context (Purpose::kClientAuth,
// PROTOCOL_TLS_SERVER) asks for no client certificate (CERT_NONE). Both
// refuse anything older than TLS 1.2. create_default_context() without a
// CA loads the system's default trust store.
//
// Errors are absl::Status whose message is the str() of the exception
// Python raises: a missing file is NotFound with errno ENOENT ("[Errno 2]
// No such file or directory"); a file OpenSSL cannot use is InvalidArgument
// ("[SSL] PEM lib", "[X509: NO_CERTIFICATE_OR_CRL_FOUND] no certificate or
// crl found"); set_verify_mode(kCertNone) with check_hostname on is
// InvalidArgument (ValueError "Cannot set verify_mode to CERT_NONE when
// check_hostname is enabled."). Handshake failures are exceptions raised
// by the connection (SSLError, SSLCertVerificationError: loop/errors.h).
//
// Files: the load_* methods read files through OpenSSL at configuration
// time (as Python does); everything after that (handshakes, records) runs
// on memory buffers, so loop/net still makes no OS calls per connection.
// The PEM-text variants (load_cert_chain_pem, cadata) read no files.
//
// Sharing and threads: configure a context before handing it out; once
// connections use it, treat it as read-only. It may be shared by any
// number of connections of one loop's thread (OpenSSL's SSL_CTX is itself
// thread-safe for that use).

#ifndef SEEDLOOP_LOOP_NET_SSL_CONTEXT_H_
#define SEEDLOOP_LOOP_NET_SSL_CONTEXT_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

struct ssl_ctx_st;  // OpenSSL's SSL_CTX

namespace seedloop {

// ssl.Purpose: what the peer's certificate is for. kServerAuth makes a
// client context (it authenticates servers), kClientAuth a server one.
enum class Purpose { kServerAuth, kClientAuth };

// ssl.PROTOCOL_TLS_CLIENT / PROTOCOL_TLS_SERVER.
enum class TlsSide { kClient, kServer };

// ssl.CERT_NONE / CERT_OPTIONAL / CERT_REQUIRED.
enum class VerifyMode { kCertNone, kCertOptional, kCertRequired };

// ssl.TLSVersion (the values are the wire versions, as Python's).
enum class TlsVersion : int {
  kMinimumSupported = -2,
  kMaximumSupported = -1,
  kTLSv1 = 0x0301,
  kTLSv1_1 = 0x0302,
  kTLSv1_2 = 0x0303,
  kTLSv1_3 = 0x0304,
};

// create_default_context's cafile / cadata (both empty: the system's
// default trust store).
struct TrustOptions {
  std::string cafile = {};  // a PEM file of CA certificates
  std::string cadata = {};  // PEM text of CA certificates
};

class SSLContext {
 public:
  // ssl.SSLContext(PROTOCOL_TLS_CLIENT or PROTOCOL_TLS_SERVER), with
  // Python's defaults for that side and no trust anchors loaded.
  static absl::StatusOr<std::shared_ptr<SSLContext>> create(TlsSide side);
  // ssl.create_default_context(purpose, cafile=, cadata=).
  static absl::StatusOr<std::shared_ptr<SSLContext>> create_default_context(Purpose purpose = Purpose::kServerAuth,
                                                                            TrustOptions trust = {});
  ~SSLContext();
  SSLContext(const SSLContext&) = delete;
  SSLContext& operator=(const SSLContext&) = delete;

  // The certificate (chain) this side presents, and its private key;
  // `keyfile` empty: the key is in `certfile`. Fails if they do not match.
  absl::Status load_cert_chain(const std::string& certfile, const std::string& keyfile = "");
  // The same from PEM text.
  absl::Status load_cert_chain_pem(const std::string& cert_pem, const std::string& key_pem);
  // CA certificates to trust, from a PEM file and/or PEM text.
  absl::Status load_verify_locations(const std::string& cafile, const std::string& cadata = "");
  // The system's trust store (SSLContext.load_default_certs / set_default_verify_paths).
  absl::Status load_default_certs();

  bool check_hostname() const { return check_hostname_; }
  // Python: turning it on also makes kCertNone kCertRequired.
  void set_check_hostname(bool check);
  VerifyMode verify_mode() const { return verify_mode_; }
  absl::Status set_verify_mode(VerifyMode mode);
  TlsVersion minimum_version() const { return minimum_version_; }
  absl::Status set_minimum_version(TlsVersion version);
  TlsVersion maximum_version() const { return maximum_version_; }
  absl::Status set_maximum_version(TlsVersion version);
  TlsSide side() const { return side_; }

  // The SSL_CTX, for settings this wrapper lacks (ciphers, ALPN, ...).
  ssl_ctx_st* native_handle() const { return ctx_; }

 private:
  SSLContext(TlsSide side, ssl_ctx_st* ctx);
  void apply_verify_mode();

  TlsSide side_;
  ssl_ctx_st* ctx_;  // owned
  bool check_hostname_;
  VerifyMode verify_mode_;
  TlsVersion minimum_version_ = TlsVersion::kTLSv1_2;
  TlsVersion maximum_version_ = TlsVersion::kMaximumSupported;
};

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_NET_SSL_CONTEXT_H_
