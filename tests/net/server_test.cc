// Servers and the rest of the transport surface on loopback, on every
// production poller: backpressure (pause_writing / resume_writing),
// Server close / wait_closed / serve_forever, Unix sockets,
// BufferedProtocol and connect_accepted_socket, against CPython 3.11.

#include <stdlib.h>
#include <sys/socket.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "loop/aio/sleep.h"
#include "loop/aio/wait_for.h"
#include "loop/net/protocols.h"
#include "loop/net/server.h"
#include "tests/net/net_fixture.h"
#include "tests/net/recording_protocol.h"

namespace seedloop::testing {
namespace {

class ServerTest : public NetTest {
 protected:
  ProtocolFactory recording_factory() {
    return [this] {
      auto p = std::make_shared<RecordingProtocol>(*loop_);
      accepted.push_back(p);
      return p;
    };
  }
  int port_of(const Server& server) { return ops().getsockname(server.sockets().at(0))->port(); }
  Coro<void> wait(Future<void> f) {
    Coro<void> waiting = wait_for(f, 5.0);
    co_await std::move(waiting);
  }
  // Polls `done` every millisecond, for at most 5 s.
  template <typename F>
  Coro<void> until(F done) {
    for (int i = 0; i < 5000 && !done(); ++i) co_await sleep(0.001);
    EXPECT_TRUE(done()) << "condition not reached in 5 s";
  }

  std::vector<std::shared_ptr<RecordingProtocol>> accepted;
};
INSTANTIATE_TEST_SUITE_P(AllPollers, ServerTest, kAllPollers, poller_name);

TEST_P(ServerTest, SlowReaderKeepsTheWriteBufferBoundedAndPausesTheWriter) {
  auto body = [&]() -> Coro<void> {
    Coro<std::shared_ptr<Server>> serving = loop_->create_server(recording_factory(), "127.0.0.1", 0);
    std::shared_ptr<Server> server = co_await std::move(serving);
    auto client = std::make_shared<RecordingProtocol>(*loop_);
    Coro<TransportAndProtocol> connecting =
        loop_->create_connection([client] { return client; }, "127.0.0.1", port_of(*server));
    co_await std::move(connecting);
    co_await wait(accepted.at(0)->made);
    std::shared_ptr<RecordingProtocol> reader = accepted[0];
    reader->transport->pause_reading();  // the peer stops reading
    Transport& writer = *client->transport;
    const std::string chunk(64 * 1024, 'x');
    size_t sent = 0;
    // Write until pause_writing; bounded at 256 MiB.
    for (int i = 0; i < 4096 && client->events.back() != "pause"; ++i) {
      writer.write(chunk);
      sent += chunk.size();
    }
    EXPECT_EQ(client->events.back(), "pause");
    const size_t high = writer.get_write_buffer_limits().second;
    EXPECT_GT(writer.get_write_buffer_size(), high);
    EXPECT_LE(writer.get_write_buffer_size(), high + chunk.size());
    co_await sleep(0.05);
    EXPECT_EQ(client->events.back(), "pause");  // still nobody reads
    reader->transport->resume_reading();
    co_await until([&] { return reader->received.size() == sent; });
    EXPECT_EQ(client->events, (std::vector<std::string>{"made", "pause", "resume"}));
    EXPECT_EQ(writer.get_write_buffer_size(), 0u);
    writer.close();
    co_await wait(reader->lost);
    server->close();
  };
  run(body());
}

TEST_P(ServerTest, CloseStopsListeningAndWaitClosedWaitsForItsConnections) {
  auto body = [&]() -> Coro<void> {
    Coro<std::shared_ptr<Server>> serving = loop_->create_server(recording_factory(), "127.0.0.1", 0);
    std::shared_ptr<Server> server = co_await std::move(serving);
    EXPECT_TRUE(server->is_serving());
    EXPECT_EQ(server->get_loop(), loop_.get());
    auto client = std::make_shared<RecordingProtocol>(*loop_);
    Coro<TransportAndProtocol> connecting =
        loop_->create_connection([client] { return client; }, "127.0.0.1", port_of(*server));
    co_await std::move(connecting);
    co_await wait(accepted.at(0)->made);
    // 3.11: wait_closed waits only when called before close().
    Task<void> closed = loop_->create_task(server->wait_closed());
    co_await sleep(0);
    server->close();
    EXPECT_FALSE(server->is_serving());
    EXPECT_TRUE(server->sockets().empty());
    co_await sleep(0.01);
    EXPECT_FALSE(closed.done());  // the accepted connection is still open
    client->transport->close();
    co_await wait(closed);
    EXPECT_EQ(accepted[0]->events.back(), "lost");
  };
  run(body());
}

TEST_P(ServerTest, ServeForeverRunsUntilCancelledThenClosesTheServer) {
  auto body = [&]() -> Coro<void> {
    Coro<std::shared_ptr<Server>> serving =
        loop_->create_server(recording_factory(), "127.0.0.1", 0, {.start_serving = false});
    std::shared_ptr<Server> server = co_await std::move(serving);
    EXPECT_FALSE(server->is_serving());
    const std::string repr = server->repr();
    EXPECT_NE(repr.find("<Server sockets=(<asyncio.TransportSocket fd="), std::string::npos) << repr;
    Task<void> forever = loop_->create_task(server->serve_forever());
    co_await sleep(0);
    EXPECT_TRUE(server->is_serving());
    bool already = false;
    try {
      co_await server->serve_forever();
    } catch (const RuntimeError& e) {
      already = true;
      EXPECT_EQ(e.message(), "server " + repr + " is already being awaited on serve_forever()");
    }
    EXPECT_TRUE(already);
    forever.cancel();
    bool cancelled = false;
    try {
      co_await forever;
    } catch (const CancelledError&) {
      cancelled = true;
    }
    EXPECT_TRUE(cancelled);
    EXPECT_FALSE(server->is_serving());
    EXPECT_TRUE(server->sockets().empty());
    bool closed = false;
    try {
      co_await server->serve_forever();
    } catch (const RuntimeError& e) {
      closed = true;
      EXPECT_EQ(e.message(), "server <Server sockets=()> is closed");
    }
    EXPECT_TRUE(closed);
  };
  run(body());
}

TEST_P(ServerTest, BindingABusyPortRaisesAsyncioText) {
  auto body = [&]() -> Coro<void> {
    Coro<std::shared_ptr<Server>> serving = loop_->create_server(recording_factory(), "127.0.0.1", 0);
    std::shared_ptr<Server> server = co_await std::move(serving);
    const int port = port_of(*server);
    bool raised = false;
    try {
      co_await loop_->create_server(recording_factory(), "127.0.0.1", port, {.reuse_address = false});
    } catch (const OSError& e) {
      raised = true;
      EXPECT_EQ(e.message(), "[Errno 98] error while attempting to bind on address ('127.0.0.1', " +
                                 std::to_string(port) + "): address already in use");
    }
    EXPECT_TRUE(raised);
    server->close();
  };
  run(body());
}

TEST_P(ServerTest, DestroyingTheServerClosesItsListeningSocket) {
  auto body = [&]() -> Coro<void> {
    Coro<std::shared_ptr<Server>> serving = loop_->create_server(recording_factory(), "127.0.0.1", 0);
    std::shared_ptr<Server> server = co_await std::move(serving);
    const int port = port_of(*server);
    server.reset();  // RAII: closes
    bool refused = false;
    try {
      co_await loop_->create_connection(recording_factory(), "127.0.0.1", port);
    } catch (const ConnectionRefusedError&) {
      refused = true;
    }
    EXPECT_TRUE(refused);
  };
  run(body());
}

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "seedloop-net-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string path(const char* name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

TEST_P(ServerTest, UnixSocketRoundTrip) {
  TempDir dir;
  const std::string path = dir.path("echo.sock");
  auto body = [&]() -> Coro<std::string> {
    Coro<std::shared_ptr<Server>> serving =
        loop_->create_unix_server([] { return std::make_shared<EchoProtocol>(); }, path);
    std::shared_ptr<Server> server = co_await std::move(serving);
    auto client = std::make_shared<RecordingProtocol>(*loop_);
    Coro<TransportAndProtocol> connecting = loop_->create_unix_connection([client] { return client; }, path);
    TransportAndProtocol tp = co_await std::move(connecting);
    EXPECT_EQ(std::get<SockAddr>(tp.first->get_extra_info("peername")).to_string(), path);
    tp.first->write("over unix");
    co_await until([&] { return client->received.size() == 9; });
    tp.first->close();
    co_await wait(client->lost);
    server->close();
    co_return client->received;
  };
  EXPECT_EQ(run(body()), "over unix");
}

TEST_P(ServerTest, UnixConnectionToNoServerRaisesFileNotFound) {
  TempDir dir;
  auto body = [&]() -> Coro<void> {
    bool raised = false;
    try {
      co_await loop_->create_unix_connection(recording_factory(), dir.path("nobody.sock"));
    } catch (const FileNotFoundError& e) {
      raised = true;
      EXPECT_EQ(e.message(), "[Errno 2] No such file or directory");
    }
    EXPECT_TRUE(raised);
  };
  run(body());
}

// Reads into a small buffer of its own, as BufferedProtocol users do.
class CollectingBufferedProtocol : public BufferedProtocol {
 public:
  absl::Span<char> get_buffer(size_t) override { return absl::MakeSpan(buffer_); }
  void buffer_updated(size_t n) override {
    received.append(buffer_, n);
    ++updates;
  }
  bool eof_received() override {
    eof = true;
    return false;
  }
  std::string received;
  int updates = 0;
  bool eof = false;

 private:
  char buffer_[16];
};

TEST_P(ServerTest, BufferedProtocolReadsIntoItsOwnBuffer) {
  auto body = [&]() -> Coro<void> {
    auto collector = std::make_shared<CollectingBufferedProtocol>();
    Coro<std::shared_ptr<Server>> serving = loop_->create_server([collector] { return collector; }, "127.0.0.1", 0);
    std::shared_ptr<Server> server = co_await std::move(serving);
    auto client = std::make_shared<RecordingProtocol>(*loop_);
    Coro<TransportAndProtocol> connecting =
        loop_->create_connection([client] { return client; }, "127.0.0.1", port_of(*server));
    co_await std::move(connecting);
    client->transport->write(std::string(100, 'b'));
    client->transport->write_eof();
    co_await until([&] { return collector->eof; });
    EXPECT_EQ(collector->received, std::string(100, 'b'));
    EXPECT_GE(collector->updates, 7);  // 16 bytes at a time
    co_await wait(client->lost);
    server->close();
  };
  run(body());
}

TEST_P(ServerTest, ConnectAcceptedSocketWrapsASocketFromSockAccept) {
  SockAddr address;
  const int listener = bound_socket(AF_INET, SOCK_STREAM, "127.0.0.1", &address);
  auto body = [&]() -> Coro<std::string> {
    auto client = std::make_shared<RecordingProtocol>(*loop_);
    Task<TransportAndProtocol> connecting =
        loop_->create_task(loop_->create_connection([client] { return client; }, "127.0.0.1", address.port()));
    Accepted conn = co_await loop_->sock_accept(listener);
    Coro<TransportAndProtocol> wrapping =
        loop_->connect_accepted_socket([] { return std::make_shared<EchoProtocol>(); }, conn.fd);
    TransportAndProtocol server_side = co_await std::move(wrapping);
    co_await connecting;
    client->transport->write("accepted");
    co_await until([&] { return client->received.size() == 8; });
    client->transport->close();
    co_await wait(client->lost);
    co_await until([&] { return server_side.first->is_closing(); });
    co_return client->received;
  };
  EXPECT_EQ(run(body()), "accepted");
}

}  // namespace
}  // namespace seedloop::testing
