// Test support for the TLS tests: a NetTest with a fresh PKI (test_pki.h),
// a server context presenting the localhost certificate and a client
// context trusting its CA, and helpers for TLS servers on 127.0.0.1.
//
//   class MyTlsTest : public TlsTest {};
//   TEST_P(MyTlsTest, Something) {
//     run([&]() -> Coro<void> { std::shared_ptr<Server> s = co_await tls_echo_server(); ... }());
//   }

#ifndef SEEDLOOP_TESTS_NET_TLS_FIXTURE_H_
#define SEEDLOOP_TESTS_NET_TLS_FIXTURE_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "loop/aio/sleep.h"
#include "loop/aio/wait_for.h"
#include "loop/net/protocols.h"
#include "loop/net/server.h"
#include "loop/net/ssl_context.h"
#include "tests/net/net_fixture.h"
#include "tests/net/recording_protocol.h"
#include "tests/net/test_pki.h"

namespace seedloop::testing {

class TlsTest : public NetTest {
 protected:
  TlsTest() : pki(make_test_pki()) {
    // As a typical server: the system's trust store, so its chain is the
    // leaf alone.
    server_ctx = *SSLContext::create_default_context(Purpose::kClientAuth);
    EXPECT_TRUE(server_ctx->load_cert_chain(pki.cert_file, pki.key_file).ok());
    client_ctx = *SSLContext::create_default_context(Purpose::kServerAuth, {.cafile = pki.ca_file});
  }

  int port_of(const Server& server) { return ops().getsockname(server.sockets().at(0))->port(); }

  // A TLS server whose protocols are RecordingProtocols collected in `accepted`.
  Coro<std::shared_ptr<Server>> recording_server(ServerOptions options = {}) {
    if (!options.ssl) options.ssl = server_ctx;
    Coro<std::shared_ptr<Server>> making = loop_->create_server(
        [this] {
          auto p = std::make_shared<RecordingProtocol>(*loop_);
          accepted.push_back(p);
          return p;
        },
        "127.0.0.1", 0, options);
    std::shared_ptr<Server> server = co_await std::move(making);
    co_return server;
  }
  Coro<std::shared_ptr<Server>> echo_server() {
    Coro<std::shared_ptr<Server>> making = loop_->create_server(
        [] { return std::make_shared<EchoProtocol>(); }, "127.0.0.1", 0, {.ssl = server_ctx});
    std::shared_ptr<Server> server = co_await std::move(making);
    co_return server;
  }
  // A TLS client RecordingProtocol connected to `port` (server_hostname
  // "localhost" unless `options` says otherwise).
  Coro<std::shared_ptr<RecordingProtocol>> connect(int port, ConnectionOptions options = {}) {
    if (!options.ssl) options.ssl = client_ctx;
    if (!options.server_hostname) options.server_hostname = "localhost";
    auto proto = std::make_shared<RecordingProtocol>(*loop_);
    Coro<TransportAndProtocol> connecting =
        loop_->create_connection([proto] { return proto; }, "127.0.0.1", port, options);
    co_await std::move(connecting);
    co_return proto;
  }
  Coro<void> wait(Future<void> f) {
    Coro<void> waiting = wait_for(f, 5.0);
    co_await std::move(waiting);
  }
  template <typename F>
  Coro<void> until(F done) {
    for (int i = 0; i < 5000 && !done(); ++i) co_await sleep(0.001);
    EXPECT_TRUE(done()) << "condition not reached in 5 s";
  }
  // Closes `server` and waits until its connections are gone.
  Coro<void> close_and_wait(std::shared_ptr<Server> server) {
    Task<void> closed = loop_->create_task(server->wait_closed());
    co_await sleep(0);
    server->close();
    Coro<void> waiting = wait_for(closed, 5.0);
    co_await std::move(waiting);
  }

  TestPki pki;
  std::shared_ptr<SSLContext> server_ctx;
  std::shared_ptr<SSLContext> client_ctx;
  std::vector<std::shared_ptr<RecordingProtocol>> accepted;
};

}  // namespace seedloop::testing

#endif  // SEEDLOOP_TESTS_NET_TLS_FIXTURE_H_
