// TLS through streams and start_tls, on every production poller:
// open_connection / start_server with an SSLContext (lines both ways, a
// multi-megabyte transfer paced by drain, EOF when the peer closes), and a
// STARTTLS-style upgrade of a plain connection with loop.start_tls.

#include <algorithm>
#include <cctype>
#include <memory>
#include <string>
#include <utility>

#include "gtest/gtest.h"
#include "loop/errors.h"
#include "loop/net/ssl_protocol.h"
#include "loop/net/streams.h"
#include "tests/net/tls_fixture.h"

namespace seedloop::testing {
namespace {

class TlsUpgradeTest : public TlsTest {
 protected:
  Coro<std::shared_ptr<Server>> tls_stream_server(ClientConnected handler) {
    ServerOptions options{.ssl = server_ctx};
    Coro<std::shared_ptr<Server>> serving = start_server(std::move(handler), "127.0.0.1", 0,
                                                         StreamReader::kDefaultLimit, options);
    std::shared_ptr<Server> server = co_await std::move(serving);
    co_return server;
  }
  // open_connection to 127.0.0.1: the certificate's IP subjectAltName is
  // what the default server_hostname (the host) is checked against.
  Coro<Streams> tls_open(int port) {
    ConnectionOptions options{.ssl = client_ctx};
    Coro<Streams> opening = open_connection("127.0.0.1", port, StreamReader::kDefaultLimit, options);
    Streams streams = co_await std::move(opening);
    co_return streams;
  }
};
INSTANTIATE_TEST_SUITE_P(AllPollers, TlsUpgradeTest, kAllPollers, poller_name);

// Answers each line upper-cased, then closes on EOF.
Coro<void> shout(std::shared_ptr<StreamReader> reader, std::shared_ptr<StreamWriter> writer) {
  for (int i = 0; i < 100; ++i) {
    std::string line = co_await reader->readline();
    if (line.empty()) break;
    for (char& c : line) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    writer->write(line);
    co_await writer->drain();
  }
  writer->close();
  co_await writer->wait_closed();
}

TEST_P(TlsUpgradeTest, StreamsExchangeLinesBothWays) {
  auto body = [&]() -> Coro<std::string> {
    std::shared_ptr<Server> server = co_await tls_stream_server(shout);
    Streams s = co_await tls_open(port_of(*server));
    s.writer->write("hello\n");
    std::string first = co_await s.reader->readline();
    s.writer->write("again\n");
    std::string second = co_await s.reader->readline();
    EXPECT_EQ(std::get<CipherInfo>(s.writer->get_extra_info("cipher")).version, "TLSv1.3");
    s.writer->close();
    co_await s.writer->wait_closed();
    co_await close_and_wait(server);
    co_return first + second;
  };
  EXPECT_EQ(run(body()), "HELLO\nAGAIN\n");
}

TEST_P(TlsUpgradeTest, StreamsCarrySeveralMegabytesPacedByDrain) {
  constexpr size_t kTotal = 4 * 1024 * 1024;
  auto body = [&]() -> Coro<std::string> {
    auto count = [](std::shared_ptr<StreamReader> reader, std::shared_ptr<StreamWriter> writer) -> Coro<void> {
      std::string all = co_await reader->readexactly(kTotal);
      size_t sum = 0;
      for (char c : all) sum += static_cast<unsigned char>(c);
      writer->write("got " + std::to_string(all.size()) + " sum " + std::to_string(sum) + "\n");
      co_await writer->drain();
      writer->close();
      co_await writer->wait_closed();
    };
    std::shared_ptr<Server> server = co_await tls_stream_server(count);
    Streams s = co_await tls_open(port_of(*server));
    size_t sum = 0;
    for (size_t sent = 0; sent < kTotal; sent += 64 * 1024) {
      std::string piece(64 * 1024, static_cast<char>('A' + sent / (64 * 1024) % 26));
      sum += static_cast<size_t>(static_cast<unsigned char>(piece[0])) * piece.size();
      s.writer->write(piece);
      co_await s.writer->drain();
      EXPECT_LE(s.writer->transport()->get_write_buffer_size(), SSLProtocol::kWriteHighWater + 64 * 1024);
    }
    std::string answer = co_await s.reader->readline();
    EXPECT_EQ(answer, "got " + std::to_string(kTotal) + " sum " + std::to_string(sum) + "\n");
    std::string eof = co_await s.reader->read(100);
    s.writer->close();
    co_await s.writer->wait_closed();
    co_await close_and_wait(server);
    co_return eof;
  };
  EXPECT_EQ(run(body()), "");
}

TEST_P(TlsUpgradeTest, PeerCloseIsEofForTheReader) {
  auto body = [&]() -> Coro<std::string> {
    auto greet_and_go = [](std::shared_ptr<StreamReader>, std::shared_ptr<StreamWriter> writer) -> Coro<void> {
      writer->write("welcome\n");
      writer->close();
      co_await writer->wait_closed();
    };
    std::shared_ptr<Server> server = co_await tls_stream_server(greet_and_go);
    Streams s = co_await tls_open(port_of(*server));
    std::string everything = co_await s.reader->read(-1);
    EXPECT_TRUE(s.reader->at_eof());
    s.writer->close();
    co_await s.writer->wait_closed();
    co_await close_and_wait(server);
    co_return everything;
  };
  EXPECT_EQ(run(body()), "welcome\n");
}

TEST_P(TlsUpgradeTest, ServerDropsAClientThatNeverStartsTheHandshake) {
  auto body = [&]() -> Coro<std::string> {
    ServerOptions options{.ssl = server_ctx, .ssl_handshake_timeout = 0.2};
    Coro<std::shared_ptr<Server>> serving = start_server(shout, "127.0.0.1", 0, StreamReader::kDefaultLimit, options);
    std::shared_ptr<Server> server = co_await std::move(serving);
    const int fd = open_socket(AF_INET, SOCK_STREAM);
    Coro<void> connecting = loop_->sock_connect(fd, *SockAddr::ip("127.0.0.1", port_of(*server)));
    co_await std::move(connecting);
    const double started = loop_->time();
    Coro<std::string> receiving = loop_->sock_recv(fd, 100);  // says nothing, waits
    std::string got = co_await std::move(receiving);
    EXPECT_GE(loop_->time() - started, 0.15);
    EXPECT_LT(loop_->time() - started, 1.0);
    co_await close_and_wait(server);
    co_return got;
  };
  EXPECT_EQ(run(body()), "");  // the server aborted the connection: EOF
}

// A plain-text server that upgrades to TLS on "STARTTLS\n" (answering
// "OK\n" in the clear first), then echoes over TLS.
class StartTlsServer : public Protocol {
 public:
  StartTlsServer(EventLoop& loop, std::shared_ptr<SSLContext> context) : loop_(loop), context_(std::move(context)) {}
  void connection_made(std::shared_ptr<Transport> t) override { transport_ = std::move(t); }
  void data_received(std::string_view data) override {
    if (upgraded_) {
      transport_->write(data);
    } else if (upgrading_) {
      // TLS data can arrive before start_tls returns (with the client's
      // Finished message): keep it for the new transport.
      early_.append(data);
    } else {
      EXPECT_EQ(std::string(data), "STARTTLS\n");
      transport_->write("OK\n");
      upgrading_ = true;
      loop_.create_task(upgrade());
    }
  }
  void connection_lost(std::exception_ptr) override { transport_.reset(); }

 private:
  Coro<void> upgrade() {
    StartTlsOptions options{.server_side = true};
    Coro<std::shared_ptr<Transport>> upgrading =
        loop_.start_tls(transport_, shared_from_this_protocol(), context_, options);
    transport_ = co_await std::move(upgrading);
    upgraded_ = true;
    if (!early_.empty()) transport_->write(early_);
  }
  std::shared_ptr<BaseProtocol> shared_from_this_protocol() { return self.lock(); }

 public:
  std::weak_ptr<StartTlsServer> self;

 private:
  EventLoop& loop_;
  std::shared_ptr<SSLContext> context_;
  std::shared_ptr<Transport> transport_;
  bool upgrading_ = false;
  bool upgraded_ = false;
  std::string early_;
};

TEST_P(TlsUpgradeTest, StartTlsUpgradesAPlainConnection) {
  auto body = [&]() -> Coro<std::string> {
    Coro<std::shared_ptr<Server>> serving = loop_->create_server(
        [this] {
          auto p = std::make_shared<StartTlsServer>(*loop_, server_ctx);
          p->self = p;
          return p;
        },
        "127.0.0.1", 0);
    std::shared_ptr<Server> server = co_await std::move(serving);
    auto client = std::make_shared<RecordingProtocol>(*loop_);
    Coro<TransportAndProtocol> connecting =
        loop_->create_connection([client] { return client; }, "127.0.0.1", port_of(*server));
    co_await std::move(connecting);
    client->transport->write("STARTTLS\n");
    co_await until([&] { return client->received == "OK\n"; });
    StartTlsOptions options{.server_hostname = "localhost"};
    Coro<std::shared_ptr<Transport>> upgrading = loop_->start_tls(client->transport, client, client_ctx, options);
    std::shared_ptr<Transport> tls = co_await std::move(upgrading);
    EXPECT_EQ(std::get<PeerCert>(tls->get_extra_info("peercert")).subject,
              PeerCert::Pairs({{"commonName", "localhost"}}));
    EXPECT_EQ(tls->get_protocol(), client);
    tls->write("secret");
    co_await until([&] { return client->received == "OK\nsecret"; });
    tls->close();
    co_await wait(client->lost);
    co_await close_and_wait(server);
    co_return client->received;
  };
  EXPECT_EQ(run(body()), "OK\nsecret");
}

TEST_P(TlsUpgradeTest, StartTlsWithoutAContextIsTypeError) {
  auto body = [&]() -> Coro<void> {
    auto [left, right] = socket_pair();
    close_socket(right);
    auto proto = std::make_shared<RecordingProtocol>(*loop_);
    Coro<TransportAndProtocol> wrapping = loop_->connect_accepted_socket([proto] { return proto; }, left);
    owned_.erase(std::remove(owned_.begin(), owned_.end(), left), owned_.end());  // the transport's now
    TransportAndProtocol made = co_await std::move(wrapping);
    std::string raised;
    try {
      Coro<std::shared_ptr<Transport>> upgrading = loop_->start_tls(made.first, proto, nullptr);
      co_await std::move(upgrading);
    } catch (const TypeError& e) {
      raised = e.message();
    }
    EXPECT_EQ(raised, "sslcontext is expected to be an instance of ssl.SSLContext, got None");
    made.first->close();
    co_await wait(proto->lost);
  };
  run(body());
}

}  // namespace
}  // namespace seedloop::testing
