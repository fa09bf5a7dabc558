// Streams over loopback TCP and Unix sockets, on every production poller:
// start_server / open_connection round trips, readline / readexactly /
// readuntil across the wire, drain's backpressure, and a hostile peer
// sending a 10 MB line (asyncio: ValueError, bounded memory).

#include <stdlib.h>
#include <sys/socket.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "loop/aio/sleep.h"
#include "loop/aio/wait_for.h"
#include "loop/net/socket_transport.h"
#include "loop/net/streams.h"
#include "tests/net/net_fixture.h"

namespace seedloop::testing {
namespace {

class StreamsTest : public NetTest {
 protected:
  int port_of(const Server& server) { return ops().getsockname(server.sockets().at(0))->port(); }
  // Closes `server` and waits until its connections are gone (3.11's
  // wait_closed waits only when called before close()).
  Coro<void> close_and_wait(std::shared_ptr<Server> server) {
    Task<void> closed = loop_->create_task(server->wait_closed());
    co_await sleep(0);
    server->close();
    Coro<void> waiting = wait_for(closed, 5.0);
    co_await std::move(waiting);
  }
  template <typename F>
  Coro<void> until(F done) {
    for (int i = 0; i < 5000 && !done(); ++i) co_await sleep(0.001);
    EXPECT_TRUE(done()) << "condition not reached in 5 s";
  }
};
INSTANTIATE_TEST_SUITE_P(AllPollers, StreamsTest, kAllPollers, poller_name);

// Fixed, small kernel buffers (no autotuning up to tcp_rmem's tens of MB),
// so that a peer that does not read fills them quickly.
void shrink_kernel_buffers(EventLoop& loop, const StreamWriter& writer) {
  const int fd = std::get<int>(writer.get_extra_info("socket"));
  EXPECT_TRUE(loop.socket_ops().setsockopt(fd, SOL_SOCKET, SO_RCVBUF, 64 * 1024).ok());
  EXPECT_TRUE(loop.socket_ops().setsockopt(fd, SOL_SOCKET, SO_SNDBUF, 64 * 1024).ok());
}

// Echoes lines until EOF, then closes.
Coro<void> echo_lines(std::shared_ptr<StreamReader> reader, std::shared_ptr<StreamWriter> writer) {
  for (int i = 0; i < 1000; ++i) {
    std::string line = co_await reader->readline();
    if (line.empty()) break;
    writer->write(line);
    co_await writer->drain();
  }
  writer->close();
  co_await writer->wait_closed();
}

TEST_P(StreamsTest, ReadlineRoundTripThroughStartServerAndOpenConnection) {
  auto body = [&]() -> Coro<std::vector<std::string>> {
    std::shared_ptr<Server> server = co_await start_server(echo_lines, "127.0.0.1", 0);
    Streams s = co_await open_connection("127.0.0.1", port_of(*server));
    s.writer->writelines(std::vector<std::string>{"one\n", "two\n"});
    s.writer->write("three\n");
    co_await s.writer->drain();
    std::vector<std::string> lines;
    for (int i = 0; i < 3; ++i) lines.push_back(co_await s.reader->readline());
    EXPECT_TRUE(s.writer->can_write_eof());
    s.writer->write_eof();
    EXPECT_EQ(co_await s.reader->read(), "");  // the server closed after our EOF
    EXPECT_TRUE(s.reader->at_eof());
    s.writer->close();
    EXPECT_TRUE(s.writer->is_closing());
    co_await s.writer->wait_closed();
    co_await close_and_wait(server);
    co_return lines;
  };
  EXPECT_EQ(run(body()), (std::vector<std::string>{"one\n", "two\n", "three\n"}));
}

TEST_P(StreamsTest, ReadexactlyAndReaduntilAcrossTheWire) {
  auto handler = [](std::shared_ptr<StreamReader>, std::shared_ptr<StreamWriter> writer) -> Coro<void> {
    writer->write("HEAD");
    co_await sleep(0.01);  // the rest in a later segment
    writer->write("ER\r\n\r\nbody");
    writer->close();
    co_await writer->wait_closed();
  };
  auto body = [&]() -> Coro<void> {
    std::shared_ptr<Server> server = co_await start_server(handler, "127.0.0.1", 0);
    Streams s = co_await open_connection("127.0.0.1", port_of(*server));
    EXPECT_EQ(co_await s.reader->readexactly(5), "HEADE");
    EXPECT_EQ(co_await s.reader->readuntil("\r\n\r\n"), "R\r\n\r\n");
    bool incomplete = false;
    try {
      co_await s.reader->readexactly(10);
    } catch (const IncompleteReadError& e) {
      incomplete = true;
      EXPECT_EQ(e.partial(), "body");
      EXPECT_EQ(e.message(), "4 bytes read on a total of 10 expected bytes");
    }
    EXPECT_TRUE(incomplete);
    s.writer->close();
    co_await s.writer->wait_closed();
    server->close();
  };
  run(body());
}

TEST_P(StreamsTest, LongLineRaisesLimitOverrunFromReaduntil) {
  auto handler = [](std::shared_ptr<StreamReader>, std::shared_ptr<StreamWriter> writer) -> Coro<void> {
    writer->write(std::string(1000, 'z'));
    co_await writer->drain();
    writer->close();
  };
  auto body = [&]() -> Coro<void> {
    std::shared_ptr<Server> server = co_await start_server(handler, "127.0.0.1", 0);
    Streams s = co_await open_connection("127.0.0.1", port_of(*server), /*limit=*/100);
    co_await until([&] { return s.reader->buffered() == 1000 || s.reader->at_eof(); });
    bool overrun = false;
    try {
      co_await s.reader->readuntil("\n");
    } catch (const LimitOverrunError& e) {
      overrun = true;
      EXPECT_EQ(e.message(), "Separator is not found, and chunk exceed the limit");
      EXPECT_GT(e.consumed(), 100u);
    }
    EXPECT_TRUE(overrun);
    s.writer->close();
    co_await s.writer->wait_closed();
    server->close();
  };
  run(body());
}

TEST_P(StreamsTest, TenMegabyteLineGetsValueErrorWithBoundedMemory) {
  // asyncio: the reader pauses its transport above 2 * limit, so a peer that
  // sends an endless line costs at most 2 * limit + one read; readline
  // raises ValueError and drops the line.
  const size_t bound = 2 * StreamReader::kDefaultLimit + SocketTransport::kMaxReadSize;
  std::vector<std::string> errors;
  size_t most_buffered = 0;
  bool writer_paused = false;
  auto handler = [&](std::shared_ptr<StreamReader> reader, std::shared_ptr<StreamWriter> writer) -> Coro<void> {
    shrink_kernel_buffers(*loop_, *writer);
    co_await sleep(0.1);  // let the peer fill every buffer
    most_buffered = reader->buffered();
    for (int i = 0; i < 1000 && !reader->at_eof(); ++i) {
      try {
        co_await reader->readline();
      } catch (const ValueError& e) {
        errors.push_back(e.message());
      }
      most_buffered = std::max(most_buffered, reader->buffered());
    }
    writer->close();
  };
  auto body = [&]() -> Coro<void> {
    std::shared_ptr<Server> server = co_await start_server(handler, "127.0.0.1", 0);
    Streams s = co_await open_connection("127.0.0.1", port_of(*server));
    shrink_kernel_buffers(*loop_, *s.writer);
    s.writer->write(std::string(10 * 1024 * 1024, 'x'));
    Task<void> draining = loop_->create_task(s.writer->drain());
    co_await sleep(0.05);
    writer_paused = !draining.done();  // the server is not reading yet
    co_await draining;
    s.writer->close();
    co_await s.writer->wait_closed();
    co_await close_and_wait(server);
  };
  run(body());
  EXPECT_TRUE(writer_paused);
  ASSERT_FALSE(errors.empty());
  EXPECT_EQ(errors[0], "Separator is not found, and chunk exceed the limit");
  EXPECT_LE(most_buffered, bound);
}

TEST_P(StreamsTest, DrainWaitsWhileThePeerDoesNotRead) {
  std::shared_ptr<StreamReader> server_reader;
  std::shared_ptr<StreamWriter> server_writer;
  auto handler = [&](std::shared_ptr<StreamReader> reader, std::shared_ptr<StreamWriter> writer) -> Coro<void> {
    shrink_kernel_buffers(*loop_, *writer);
    server_reader = reader;  // the test body reads
    server_writer = writer;
    co_return;
  };
  auto body = [&]() -> Coro<void> {
    std::shared_ptr<Server> server = co_await start_server(handler, "127.0.0.1", 0);
    Streams s = co_await open_connection("127.0.0.1", port_of(*server), /*limit=*/1024);
    shrink_kernel_buffers(*loop_, *s.writer);
    co_await until([&] { return server_reader != nullptr; });
    const std::string chunk(1024 * 1024, 'd');
    const size_t total = 4 * chunk.size();  // beyond the kernel buffers
    for (size_t sent = 0; sent < total; sent += chunk.size()) s.writer->write(chunk);
    Task<void> draining = loop_->create_task(s.writer->drain());
    co_await sleep(0.05);
    EXPECT_FALSE(draining.done());
    EXPECT_LE(server_reader->buffered(), 2 * 1024 + SocketTransport::kMaxReadSize);
    size_t got = 0;
    for (int i = 0; i < 100000 && got < total; ++i) got += (co_await server_reader->read(65536)).size();
    EXPECT_EQ(got, total);
    co_await draining;
    s.writer->close();
    co_await s.writer->wait_closed();
    EXPECT_EQ(co_await server_reader->read(), "");  // the server side sees EOF
    server_writer->close();
    server_writer.reset();
    co_await close_and_wait(server);
  };
  run(body());
}

TEST_P(StreamsTest, DrainAfterThePeerResetRaises) {
  auto handler = [](std::shared_ptr<StreamReader>, std::shared_ptr<StreamWriter> writer) -> Coro<void> {
    writer->transport()->abort();
    co_return;
  };
  auto body = [&]() -> Coro<void> {
    std::shared_ptr<Server> server = co_await start_server(handler, "127.0.0.1", 0);
    Streams s = co_await open_connection("127.0.0.1", port_of(*server));
    EXPECT_EQ(co_await s.reader->read(), "");  // EOF
    bool raised = false;
    for (int i = 0; i < 100 && !raised; ++i) {
      try {
        s.writer->write("ping");
        co_await s.writer->drain();
      } catch (const ConnectionError&) {
        raised = true;  // BrokenPipeError, ConnectionResetError
      }
      if (!raised) co_await sleep(0.001);
    }
    EXPECT_TRUE(raised);
    s.writer->close();
    server->close();
  };
  run(body());
}

TEST_P(StreamsTest, UnixStreamsRoundTrip) {
  std::string pattern = (std::filesystem::temp_directory_path() / "seedloop-streams-XXXXXX").string();
  const std::filesystem::path dir = mkdtemp(pattern.data());
  const std::string path = (dir / "s.sock").string();
  auto body = [&]() -> Coro<std::string> {
    std::shared_ptr<Server> server = co_await start_unix_server(echo_lines, path);
    Streams s = co_await open_unix_connection(path);
    s.writer->write("unix line\n");
    std::string line = co_await s.reader->readline();
    s.writer->close();
    co_await s.writer->wait_closed();
    co_await close_and_wait(server);
    co_return line;
  };
  EXPECT_EQ(run(body()), "unix line\n");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace seedloop::testing
