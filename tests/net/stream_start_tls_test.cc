// StreamWriter.start_tls (new in CPython 3.11): a STARTTLS exchange over
// streams on every production poller. Plain lines first, then both sides
// upgrade in place and the same reader and writer carry TLS.

#include <cctype>
#include <memory>
#include <string>
#include <utility>

#include "gtest/gtest.h"
#include "loop/errors.h"
#include "loop/net/streams.h"
#include "tests/net/tls_fixture.h"

namespace seedloop::testing {
namespace {

// The server: "STARTTLS" -> "OK", upgrade, then one line back upper-cased.
struct StartTlsServer {
  std::shared_ptr<SSLContext> context;
  bool was_tls_before = true;

  Coro<void> handle(std::shared_ptr<StreamReader> reader, std::shared_ptr<StreamWriter> writer) {
    std::string command = co_await reader->readline();
    if (command != "STARTTLS\n") {
      writer->close();
      co_return;
    }
    was_tls_before = !std::holds_alternative<std::monostate>(writer->get_extra_info("sslcontext"));
    writer->write("OK\n");
    Coro<void> upgrading = writer->start_tls(context);  // the server side: start_server made it
    co_await std::move(upgrading);
    std::string line = co_await reader->readline();
    for (char& c : line) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    writer->write(line);
    co_await writer->drain();
    writer->close();
  }
};

class StreamStartTlsTest : public TlsTest {
 protected:
  // Starts a StartTlsServer, connects to it in plain text and sends
  // STARTTLS; returns once the server said OK, its upgrade under way.
  Coro<Streams> connect_and_ask_for_tls(std::shared_ptr<Server>* server) {
    ClientConnected serve = [this](std::shared_ptr<StreamReader> r, std::shared_ptr<StreamWriter> w) {
      return handler.handle(std::move(r), std::move(w));
    };
    Coro<std::shared_ptr<Server>> serving = start_server(serve, "127.0.0.1", 0);
    *server = co_await std::move(serving);
    Coro<Streams> opening = open_connection("127.0.0.1", port_of(**server));
    Streams s = co_await std::move(opening);
    s.writer->write("STARTTLS\n");
    std::string ok = co_await s.reader->readline();
    EXPECT_EQ(ok, "OK\n");
    co_return s;
  }

  StartTlsServer handler{server_ctx};
};
INSTANTIATE_TEST_SUITE_P(AllPollers, StreamStartTlsTest, kAllPollers, poller_name);

TEST_P(StreamStartTlsTest, BothSidesUpgradeInPlaceAfterAPlainExchange) {
  auto body = [&]() -> Coro<std::string> {
    std::shared_ptr<Server> server;
    Coro<Streams> asking = connect_and_ask_for_tls(&server);
    Streams s = co_await std::move(asking);
    Coro<void> upgrading = s.writer->start_tls(client_ctx, "localhost");
    co_await std::move(upgrading);
    EXPECT_EQ(std::get<CipherInfo>(s.writer->get_extra_info("cipher")).version, "TLSv1.3");
    EXPECT_EQ(std::get<PeerCert>(s.writer->get_extra_info("peercert")).subject,
              PeerCert::Pairs({{"commonName", "localhost"}}));
    s.writer->write("over tls\n");
    std::string answer = co_await s.reader->readline();
    std::string rest = co_await s.reader->read();  // the server closed
    EXPECT_EQ(rest, "");
    s.writer->close();
    co_await s.writer->wait_closed();
    co_await close_and_wait(server);
    co_return answer;
  };
  EXPECT_EQ(run(body()), "OVER TLS\n");
  EXPECT_FALSE(handler.was_tls_before);
}

TEST_P(StreamStartTlsTest, AWrongHostNameFailsTheUpgradeWithCertVerification) {
  auto body = [&]() -> Coro<std::string> {
    std::shared_ptr<Server> server;
    Coro<Streams> asking = connect_and_ask_for_tls(&server);
    Streams s = co_await std::move(asking);
    std::string error = "(upgraded)";
    try {
      Coro<void> upgrading = s.writer->start_tls(client_ctx, "example.com");
      co_await std::move(upgrading);
    } catch (const SSLCertVerificationError& e) {
      error = e.what();
    }
    s.writer->close();
    co_await close_and_wait(server);
    co_return error;
  };
  EXPECT_EQ(run(body()),
            "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: Hostname mismatch, certificate is not "
            "valid for 'example.com'.");
}

}  // namespace
}  // namespace seedloop::testing
