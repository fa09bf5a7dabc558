// TLS transports over loopback on every production poller: handshake and
// echo through protocols, the session's extra info, certificate and host
// name failures, graceful close both ways, handshake timeout, and a
// multi-megabyte transfer under flow control, against what CPython 3.11's
// asyncio does (texts checked with python3).

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "loop/errors.h"
#include "loop/net/ssl_protocol.h"
#include "loop/net/ssl_transport.h"
#include "loop/policy.h"
#include "tests/net/tls_fixture.h"

namespace seedloop::testing {
namespace {

class TlsProtocolTest : public TlsTest {};
INSTANTIATE_TEST_SUITE_P(AllPollers, TlsProtocolTest, kAllPollers, poller_name);

TEST_P(TlsProtocolTest, EchoRoundTripOverTls) {
  auto body = [&]() -> Coro<std::string> {
    std::shared_ptr<Server> server = co_await echo_server();
    std::shared_ptr<RecordingProtocol> client = co_await connect(port_of(*server));
    client->transport->write("hello ");
    client->transport->write("world");
    co_await until([&] { return client->received.size() >= 11; });
    client->transport->close();
    co_await wait(client->lost);
    co_await close_and_wait(server);
    co_return client->received;
  };
  EXPECT_EQ(run(body()), "hello world");
}

TEST_P(TlsProtocolTest, ExtraInfoDescribesTheSession) {
  auto body = [&]() -> Coro<void> {
    std::shared_ptr<Server> server = co_await recording_server();
    std::shared_ptr<RecordingProtocol> client = co_await connect(port_of(*server));
    co_await wait(accepted.at(0)->made);
    Transport& c = *client->transport;
    const CipherInfo cipher = std::get<CipherInfo>(c.get_extra_info("cipher"));
    EXPECT_EQ(cipher.version, "TLSv1.3");
    EXPECT_EQ(cipher.name, "TLS_AES_256_GCM_SHA384");
    EXPECT_EQ(cipher.secret_bits, 256);
    const PeerCert cert = std::get<PeerCert>(c.get_extra_info("peercert"));
    EXPECT_EQ(cert.subject, PeerCert::Pairs({{"commonName", "localhost"}}));
    EXPECT_EQ(cert.issuer, PeerCert::Pairs({{"commonName", "seedloop test CA"}}));
    EXPECT_EQ(cert.version, 3);
    EXPECT_EQ(cert.not_after, "Dec 31 23:59:59 9999 GMT");
    EXPECT_EQ(cert.subject_alt_name, PeerCert::Pairs({{"DNS", "localhost"}, {"IP Address", "127.0.0.1"}}));
    EXPECT_EQ(std::get<std::shared_ptr<SSLContext>>(c.get_extra_info("sslcontext")), client_ctx);
    EXPECT_NE(std::get<SslObject>(c.get_extra_info("ssl_object")).ssl, nullptr);
    // The socket's own answers pass through.
    EXPECT_EQ(std::get<SockAddr>(c.get_extra_info("peername")).port(), port_of(*server));
    EXPECT_TRUE(std::holds_alternative<int>(c.get_extra_info("socket")));
    // The server asked for no client certificate: Python's None.
    EXPECT_TRUE(std::holds_alternative<std::monostate>(accepted[0]->transport->get_extra_info("peercert")));
    client->transport->close();
    co_await wait(client->lost);
    co_await close_and_wait(server);
  };
  run(body());
}

TEST_P(TlsProtocolTest, HostnameMismatchFailsWithSSLCertVerificationError) {
  auto body = [&]() -> Coro<void> {
    std::shared_ptr<Server> server = co_await recording_server();
    bool raised = false;
    try {
      ConnectionOptions options{.server_hostname = "example.com"};
      co_await connect(port_of(*server), options);
    } catch (const SSLCertVerificationError& e) {
      raised = true;
      EXPECT_EQ(e.message(),
                "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: Hostname mismatch, certificate is not "
                "valid for 'example.com'.");
      EXPECT_EQ(e.verify_code(), 62);
      EXPECT_EQ(e.error_number(), 1);
    }
    EXPECT_TRUE(raised);
    co_await close_and_wait(server);
    // The server's side never reached the application.
    for (const auto& p : accepted) EXPECT_TRUE(p->events.empty());
  };
  run(body());
}

TEST_P(TlsProtocolTest, UntrustedCertificateFails) {
  auto body = [&]() -> Coro<void> {
    std::shared_ptr<Server> server = co_await recording_server();
    auto stranger = *SSLContext::create_default_context(Purpose::kServerAuth, {.cafile = pki.other_ca_file});
    bool raised = false;
    try {
      ConnectionOptions options{.ssl = stranger};
      co_await connect(port_of(*server), options);
    } catch (const SSLCertVerificationError& e) {
      raised = true;
      EXPECT_EQ(e.message(), "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer "
                             "certificate");
      EXPECT_EQ(e.verify_code(), 20);
    }
    EXPECT_TRUE(raised);
    co_await close_and_wait(server);
  };
  run(body());
}

TEST_P(TlsProtocolTest, IpAddressServerHostnameMatchesTheIpSubjectAltName) {
  auto body = [&]() -> Coro<std::string> {
    std::shared_ptr<Server> server = co_await echo_server();
    ConnectionOptions options{.server_hostname = "127.0.0.1"};
    std::shared_ptr<RecordingProtocol> client = co_await connect(port_of(*server), options);
    client->transport->write("ip");
    co_await until([&] { return client->received.size() >= 2; });
    client->transport->close();
    co_await wait(client->lost);
    co_await close_and_wait(server);
    co_return client->received;
  };
  EXPECT_EQ(run(body()), "ip");
}

TEST_P(TlsProtocolTest, EmptyServerHostnameChecksTheChainButNoName) {
  auto body = [&]() -> Coro<void> {
    std::shared_ptr<Server> server = co_await recording_server();
    // CPython 3.11: server_hostname='' connects even with check_hostname on.
    ConnectionOptions options{.server_hostname = ""};
    std::shared_ptr<RecordingProtocol> client = co_await connect(port_of(*server), options);
    EXPECT_TRUE(std::holds_alternative<PeerCert>(client->transport->get_extra_info("peercert")));
    client->transport->close();
    co_await wait(client->lost);
    co_await close_and_wait(server);
  };
  run(body());
}

TEST_P(TlsProtocolTest, ClientCloseIsAGracefulShutdownOnBothSides) {
  auto body = [&]() -> Coro<void> {
    std::shared_ptr<Server> server = co_await recording_server();
    std::shared_ptr<RecordingProtocol> client = co_await connect(port_of(*server));
    co_await wait(accepted.at(0)->made);
    client->transport->write("bye");
    client->transport->close();
    EXPECT_TRUE(client->transport->is_closing());
    co_await wait(accepted[0]->lost);
    co_await wait(client->lost);
    EXPECT_EQ(accepted[0]->received, "bye");
    EXPECT_EQ(accepted[0]->events, std::vector<std::string>({"made", "data", "eof", "lost"}));
    // As CPython's: the closing side's eof_received runs too, once the
    // peer's close_notify completes the shutdown.
    EXPECT_EQ(client->events, std::vector<std::string>({"made", "eof", "lost"}));
    co_await close_and_wait(server);
  };
  run(body());
}

TEST_P(TlsProtocolTest, PeerCloseGivesEofThenConnectionLost) {
  auto body = [&]() -> Coro<void> {
    std::shared_ptr<Server> server = co_await recording_server();
    std::shared_ptr<RecordingProtocol> client = co_await connect(port_of(*server));
    co_await wait(accepted.at(0)->made);
    accepted[0]->transport->write("last words");
    accepted[0]->transport->close();
    co_await wait(client->lost);
    EXPECT_EQ(client->received, "last words");
    EXPECT_EQ(client->events, std::vector<std::string>({"made", "data", "eof", "lost"}));
    co_await close_and_wait(server);
  };
  run(body());
}

TEST_P(TlsProtocolTest, WriteEofIsNotSupported) {
  auto body = [&]() -> Coro<void> {
    std::shared_ptr<Server> server = co_await recording_server();
    std::shared_ptr<RecordingProtocol> client = co_await connect(port_of(*server));
    EXPECT_FALSE(client->transport->can_write_eof());
    EXPECT_THROW(client->transport->write_eof(), NotImplementedError);
    client->transport->close();
    co_await wait(client->lost);
    co_await close_and_wait(server);
  };
  run(body());
}

TEST_P(TlsProtocolTest, HandshakeTimeoutAbortsWithConnectionAbortedError) {
  SockAddr address;
  const int silent = bound_socket(AF_INET, SOCK_STREAM, "127.0.0.1", &address);  // listens, never answers
  (void)silent;
  auto body = [&]() -> Coro<void> {
    bool raised = false;
    const double started = loop_->time();
    try {
      ConnectionOptions options{.ssl_handshake_timeout = 0.2};
      co_await connect(address.port(), options);
    } catch (const ConnectionAbortedError& e) {
      raised = true;
      EXPECT_EQ(e.message(), "SSL handshake is taking longer than 0.2 seconds: aborting the connection");
    }
    EXPECT_TRUE(raised);
    EXPECT_LT(loop_->time() - started, 1.0);
  };
  run(body());
}

// A BufferedProtocol that echoes through a small buffer of its own.
class BufferedEcho : public BufferedProtocol {
 public:
  void connection_made(std::shared_ptr<Transport> t) override { transport_ = std::move(t); }
  absl::Span<char> get_buffer(size_t) override { return absl::MakeSpan(buffer_); }
  void buffer_updated(size_t nbytes) override { transport_->write(std::string_view(buffer_, nbytes)); }
  void connection_lost(std::exception_ptr) override { transport_.reset(); }

 private:
  char buffer_[7];  // smaller than a record: reads come in pieces
  std::shared_ptr<Transport> transport_;
};

TEST_P(TlsProtocolTest, BufferedProtocolReceivesThroughItsOwnBuffer) {
  auto body = [&]() -> Coro<std::string> {
    ServerOptions options{.ssl = server_ctx};
    Coro<std::shared_ptr<Server>> serving =
        loop_->create_server([] { return std::make_shared<BufferedEcho>(); }, "127.0.0.1", 0, options);
    std::shared_ptr<Server> server = co_await std::move(serving);
    std::shared_ptr<RecordingProtocol> client = co_await connect(port_of(*server));
    const std::vector<std::string> pieces = {"one record, ", "then ", "another much longer one"};
    client->transport->writelines(pieces);
    co_await until([&] { return client->received.size() >= 40; });
    client->transport->close();
    co_await wait(client->lost);
    co_await close_and_wait(server);
    co_return client->received;
  };
  EXPECT_EQ(run(body()), "one record, then another much longer one");
}

TEST_P(TlsProtocolTest, UnansweredCloseNotifyEndsWithShutdownTimeout) {
  auto body = [&]() -> Coro<void> {
    std::shared_ptr<Server> server = co_await recording_server();
    ConnectionOptions options{.ssl_shutdown_timeout = 0.2};
    std::shared_ptr<RecordingProtocol> client = co_await connect(port_of(*server), options);
    co_await wait(accepted.at(0)->made);
    // The server's application stops reading: the close_notify waits unread.
    accepted[0]->transport->pause_reading();
    client->transport->close();
    co_await wait(client->lost);
    EXPECT_EQ(client->events.back(), "lost: TimeoutError: SSL shutdown timed out");
    accepted[0]->transport->abort();
    co_await close_and_wait(server);
  };
  run(body());
}

TEST_P(TlsProtocolTest, PeerClosingDuringHandshakeIsConnectionResetError) {
  auto body = [&]() -> Coro<void> {
    // A plain server that hangs up on every connection at once.
    struct HangUp : Protocol {
      void connection_made(std::shared_ptr<Transport> t) override { t->close(); }
    };
    Coro<std::shared_ptr<Server>> serving =
        loop_->create_server([] { return std::make_shared<HangUp>(); }, "127.0.0.1", 0);
    std::shared_ptr<Server> server = co_await std::move(serving);
    bool raised = false;
    try {
      co_await connect(port_of(*server));
    } catch (const ConnectionResetError&) {
      raised = true;  // "" on EOF, "[Errno 104] ..." on a reset, as CPython's
    }
    EXPECT_TRUE(raised);
    co_await close_and_wait(server);
  };
  run(body());
}

// Fixed, small kernel buffers, so that a peer that does not read fills them
// quickly (loopback autotuning would otherwise absorb megabytes).
void shrink_kernel_buffers(Transport& transport) {
  const int fd = std::get<int>(transport.get_extra_info("socket"));
  std::shared_ptr<EventLoop> loop = get_running_loop();
  EXPECT_TRUE(loop->socket_ops().setsockopt(fd, SOL_SOCKET, SO_RCVBUF, 64 * 1024).ok());
  EXPECT_TRUE(loop->socket_ops().setsockopt(fd, SOL_SOCKET, SO_SNDBUF, 64 * 1024).ok());
}

TEST_P(TlsProtocolTest, LargeTransferPausesAndResumesTheWriter) {
  constexpr size_t kTotal = 6 * 1024 * 1024;
  constexpr size_t kPiece = 64 * 1024;
  auto body = [&]() -> Coro<void> {
    std::shared_ptr<Server> server = co_await recording_server();
    std::shared_ptr<RecordingProtocol> client = co_await connect(port_of(*server));
    co_await wait(accepted.at(0)->made);
    std::shared_ptr<RecordingProtocol> peer = accepted[0];
    shrink_kernel_buffers(*client->transport);
    shrink_kernel_buffers(*peer->transport);
    // The receiver stops reading for a while; the writer writes 64 KiB
    // pieces whenever it is not paused, as a producer would.
    peer->transport->pause_reading();
    loop_->call_later(0.05, [peer] { peer->transport->resume_reading(); });
    std::string payload(kTotal, '\0');
    for (size_t i = 0; i < kTotal; ++i) payload[i] = static_cast<char>('a' + i * 7 % 26);
    int pauses = 0;
    for (size_t sent = 0; sent < kTotal; sent += kPiece) {
      if (client->events.back() == "pause") {
        ++pauses;
        EXPECT_GE(client->transport->get_write_buffer_size(), SSLProtocol::kWriteHighWater);
        co_await until([&] { return client->events.back() == "resume"; });
      }
      client->transport->write(std::string_view(payload).substr(sent, kPiece));
    }
    EXPECT_GE(pauses, 1);
    co_await until([&] { return peer->received.size() >= kTotal; });
    EXPECT_TRUE(peer->received == payload);
    co_await until([&] { return client->events.back() == "resume"; });
    EXPECT_EQ(client->transport->get_write_buffer_size(), 0u);
    client->transport->close();
    co_await wait(peer->lost);
    co_await close_and_wait(server);
  };
  run(body());
}

TEST_P(TlsProtocolTest, TlsArgumentsWithoutSslAreValueErrors) {
  auto body = [&]() -> Coro<void> {
    auto factory = [] { return std::make_shared<Protocol>(); };
    const std::vector<std::pair<ConnectionOptions, std::string>> cases = {
        {{.server_hostname = "x"}, "server_hostname is only meaningful with ssl"},
        {{.ssl_handshake_timeout = 1.0}, "ssl_handshake_timeout is only meaningful with ssl"},
        {{.ssl_shutdown_timeout = 1.0}, "ssl_shutdown_timeout is only meaningful with ssl"},
        {{.ssl = client_ctx}, "You must set server_hostname when using ssl without a host"},
    };
    for (const auto& [options, text] : cases) {
      std::string raised;
      try {
        // host "" only matters with ssl; port 1 on loopback refuses before TLS starts otherwise.
        Coro<TransportAndProtocol> connecting = loop_->create_connection(factory, "", 1, options);
        co_await std::move(connecting);
      } catch (const ValueError& e) {
        raised = e.message();
      } catch (const std::exception& e) {
        raised = std::string("other: ") + e.what();
      }
      EXPECT_EQ(raised, text);
    }
  };
  run(body());
}

}  // namespace
}  // namespace seedloop::testing
