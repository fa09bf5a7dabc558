// SSLProtocolTransport: CPython 3.11's asyncio.sslproto._SSLProtocolTransport,
// the Transport an application protocol gets for a TLS connection
// (create_connection / create_server with an SSLContext, or start_tls).
// It forwards to its SSLProtocol (loop/net/ssl_protocol.h).
//
//   auto [transport, protocol] = co_await loop.create_connection(factory, "localhost", port, {.ssl = ctx});
//   transport->write("GET / HTTP/1.0\r\n\r\n");
//   CipherInfo cipher = std::get<CipherInfo>(transport->get_extra_info("cipher"));
//   transport->close();   // close_notify both ways, then connection_lost(nullptr)
//
// Differences from a SocketTransport, as asyncio's:
//   - write_eof() raises NotImplementedError and can_write_eof() is false
//     (TLS 1.2 has no half-close).
//   - close() is a TLS shutdown (see ssl_protocol.h); abort() drops
//     everything and closes the socket at once.
//   - The water marks count plaintext not yet encrypted plus records not
//     yet handed to the socket (defaults: high 512 KiB, low 128 KiB);
//     set_read_buffer_limits bounds undecrypted input (high 256 KiB).
//   - get_extra_info answers "sslcontext", and after the handshake
//     "peercert", "cipher", "compression" (none) and "ssl_object"
//     (loop/net/tls_info.h); other names go to the socket transport
//     ("peername", "sockname", "socket").
//   - Writes after close() are dropped; from the sixth on, each is reported
//     to the exception handler as asyncio logs "SSL connection is closed".
//
// Threads: the loop's thread only.

#ifndef SEEDLOOP_LOOP_NET_SSL_TRANSPORT_H_
#define SEEDLOOP_LOOP_NET_SSL_TRANSPORT_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "loop/event_loop.h"
#include "loop/net/protocols.h"

namespace seedloop {

class SSLProtocol;

class SSLProtocolTransport final : public Transport {
 public:
  ExtraInfo get_extra_info(std::string_view name) const override;
  bool is_closing() const override { return closed_; }
  void close() override;
  void abort() override;
  void force_close(std::exception_ptr exception) override;
  void set_protocol(std::shared_ptr<BaseProtocol> protocol) override;
  std::shared_ptr<BaseProtocol> get_protocol() const override;

  bool is_reading() const override;
  void pause_reading() override;
  void resume_reading() override;

  void write(std::string_view data) override;
  void writelines(absl::Span<const std::string> pieces) override;
  // NotImplementedError, as asyncio's.
  void write_eof() override;
  bool can_write_eof() const override { return false; }
  size_t get_write_buffer_size() const override;
  std::pair<size_t, size_t> get_write_buffer_limits() const override;
  void set_write_buffer_limits(std::optional<size_t> high = std::nullopt,
                               std::optional<size_t> low = std::nullopt) override;

  // Undecrypted input: the socket stops reading above `high`.
  void set_read_buffer_limits(std::optional<size_t> high = std::nullopt, std::optional<size_t> low = std::nullopt);
  std::pair<size_t, size_t> get_read_buffer_limits() const;
  size_t get_read_buffer_size() const;

 private:
  friend class SSLProtocol;
  SSLProtocolTransport(EventLoop& loop, std::shared_ptr<SSLProtocol> protocol)
      : loop_(&loop), protocol_(std::move(protocol)) {}

  EventLoop* loop_;
  std::shared_ptr<SSLProtocol> protocol_;
  bool closed_ = false;
};

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_NET_SSL_TRANSPORT_H_
