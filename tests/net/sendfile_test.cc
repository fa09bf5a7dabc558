// loop.sock_sendfile and loop.sendfile(transport) on every production
// poller, against what CPython 3.11 does (checked with python3): the
// native os.sendfile path, the fallback that reads and sends, the file
// position afterwards, and the argument errors' texts.

#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <utility>

#include "gtest/gtest.h"
#include "loop/aio/sleep.h"
#include "loop/net/protocols.h"
#include "loop/net/sendfile.h"
#include "tests/net/forms_fixture.h"
#include "tests/net/recording_protocol.h"

namespace seedloop::testing {
namespace {

class SendfileTest : public FormsTest {
 protected:
  // A file-like fd that os.sendfile refuses (a socket: "Illegal seek")
  // but read() reads: `content`, then end of file.
  int unsendable_file(const std::string& content) {
    auto [file, writer] = socket_pair();
    EXPECT_TRUE(ops().send(writer, absl::MakeConstSpan(content.data(), content.size())).ok());
    close_socket(writer);
    return file;
  }

  // A transport over one end of a socket pair (the other end, owned, is
  // returned too) and its protocol.
  std::pair<std::shared_ptr<RecordingProtocol>, int> transport_pair() {
    absl::StatusOr<std::pair<int, int>> pair = ops().socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    EXPECT_TRUE(pair.ok());
    own(pair->second);
    auto proto = std::make_shared<RecordingProtocol>(*loop_);
    run(loop_->connect_accepted_socket([proto] { return proto; }, pair->first));
    return {proto, pair->second};
  }
};
INSTANTIATE_TEST_SUITE_P(AllPollers, SendfileTest, kAllPollers, poller_name);

// The file position, read without moving it (lseek(fd, 0, SEEK_CUR)).
int64_t file_position(int file) { return ::lseek(file, 0, SEEK_CUR); }

TEST_P(SendfileTest, SockSendfileSendsTheWholeFileAndMovesItsPosition) {
  const std::string content = pattern(1 << 20);  // more than the socket buffer holds
  const int file = open_file(content);
  auto [a, b] = socket_pair();
  auto body = [&]() -> Coro<std::string> {
    Task<std::string> reading = loop_->create_task(receive(b, content.size()));
    Coro<size_t> sending = loop_->sock_sendfile(a, file);
    const size_t sent = co_await std::move(sending);
    EXPECT_EQ(sent, content.size());
    std::string got = co_await reading;
    co_return got;
  };
  EXPECT_TRUE(run(body()) == content);
  EXPECT_EQ(file_position(file), static_cast<int64_t>(content.size()));
}

TEST_P(SendfileTest, SockSendfileSendsCountBytesFromOffset) {
  const int file = open_file(pattern(100));
  auto [a, b] = socket_pair();
  EXPECT_EQ(run(loop_->sock_sendfile(a, file, {.offset = 10, .count = 20})), 20u);
  EXPECT_EQ(run(receive(b, 20)), pattern(100).substr(10, 20));
  EXPECT_EQ(file_position(file), 30);
}

TEST_P(SendfileTest, SockSendfileOfAnEmptyFileSendsNothing) {
  const int file = open_file("");
  auto [a, b] = socket_pair();
  EXPECT_EQ(run(loop_->sock_sendfile(a, file)), 0u);
  EXPECT_EQ(file_position(file), 0);
}

TEST_P(SendfileTest, SockSendfileRejectsANonPositiveCount) {
  const int file = open_file("x");
  auto [a, b] = socket_pair();
  EXPECT_EQ(raised_by(loop_->sock_sendfile(a, file, {.count = -1})),
            "ValueError: count must be a positive integer (got -1)");
  EXPECT_EQ(raised_by(loop_->sock_sendfile(a, file, {.count = 0})),
            "ValueError: count must be a positive integer (got 0)");
}

TEST_P(SendfileTest, SockSendfileRejectsANegativeOffset) {
  const int file = open_file("x");
  auto [a, b] = socket_pair();
  EXPECT_EQ(raised_by(loop_->sock_sendfile(a, file, {.offset = -1})),
            "ValueError: offset must be a non-negative integer (got -1)");
}

TEST_P(SendfileTest, SockSendfileRejectsADatagramSocket) {
  const int file = open_file("x");
  const int udp = open_socket(AF_INET, SOCK_DGRAM);
  EXPECT_EQ(raised_by(loop_->sock_sendfile(udp, file)),
            "ValueError: only SOCK_STREAM type sockets are supported");
}

TEST_P(SendfileTest, SockSendfileFallsBackToReadAndSendWhenSendfileFails) {
  const int file = unsendable_file("hello world");
  auto [a, b] = socket_pair();
  EXPECT_EQ(run(loop_->sock_sendfile(a, file, {.count = 5})), 5u);
  EXPECT_EQ(run(receive(b, 5)), "hello");
}

TEST_P(SendfileTest, SockSendfileWithoutFallbackRaisesSendfileNotAvailable) {
  const int file = unsendable_file("hello world");
  auto [a, b] = socket_pair();
  EXPECT_EQ(raised_by(loop_->sock_sendfile(a, file, {.count = 5, .fallback = false})),
            "SendfileNotAvailableError: os.sendfile call failed");
}

TEST_P(SendfileTest, SockSendfileFallbackReadsToTheEndWithoutCount) {
  const int file = unsendable_file("");  // fstat size 0: CPython's "empty file"
  auto [a, b] = socket_pair();
  EXPECT_EQ(run(loop_->sock_sendfile(a, file)), 0u);
}

TEST_P(SendfileTest, TransportSendfileSendsTheFileThenTheTransportWritesAndReadsAgain) {
  const std::string content = pattern(300 * 1024);
  const int file = open_file(content);
  auto [proto, peer] = transport_pair();
  auto body = [&, peer = peer, proto = proto]() -> Coro<std::string> {
    Task<std::string> reading = loop_->create_task(receive(peer, content.size() + 4));
    Coro<size_t> sending = loop_->sendfile(proto->transport, file);
    const size_t sent = co_await std::move(sending);
    EXPECT_EQ(sent, content.size());
    EXPECT_TRUE(proto->transport->is_reading());
    proto->transport->write("done");
    std::string got = co_await reading;
    co_return got;
  };
  EXPECT_TRUE(run(body()) == content + "done");
  EXPECT_EQ(file_position(file), static_cast<int64_t>(content.size()));
  proto->transport->close();
  run(until(proto->lost));
}

TEST_P(SendfileTest, TransportSendfileFallbackRestoresTheProtocol) {
  const int file = unsendable_file("hello world");
  auto [proto, peer] = transport_pair();
  EXPECT_EQ(run(loop_->sendfile(proto->transport, file, {.count = 5})), 5u);
  EXPECT_EQ(run(receive(peer, 5)), "hello");
  EXPECT_EQ(proto->transport->get_protocol(), proto);
  EXPECT_TRUE(proto->transport->is_reading());
  proto->transport->close();
  run(until(proto->lost));
}

TEST_P(SendfileTest, TransportSendfileWithoutFallbackRaisesSendfileNotAvailable) {
  const int file = unsendable_file("hello world");
  auto [proto, peer] = transport_pair();
  EXPECT_EQ(raised_by(loop_->sendfile(proto->transport, file, {.count = 5, .fallback = false})),
            "SendfileNotAvailableError: os.sendfile call failed");
  EXPECT_TRUE(proto->transport->is_reading());
  proto->transport->close();
  run(until(proto->lost));
}

TEST_P(SendfileTest, TransportSendfileOnAClosingTransportRaises) {
  const int file = open_file("x");
  auto [proto, peer] = transport_pair();
  proto->transport->close();
  EXPECT_EQ(raised_by(loop_->sendfile(proto->transport, file)), "RuntimeError: Transport is closing");
  run(until(proto->lost));
}

TEST_P(SendfileTest, TransportSendfileSendsAfterWhatTheTransportHadBuffered) {
  const std::string buffered = std::string(1 << 20, 'w');  // more than the socket takes at once
  const std::string content = pattern(200 * 1024);
  const int file = open_file(content);
  auto [proto, peer] = transport_pair();
  auto body = [&, peer = peer, proto = proto]() -> Coro<std::string> {
    proto->transport->write(buffered);
    EXPECT_GT(proto->transport->get_write_buffer_size(), 0u);
    Task<std::string> reading = loop_->create_task(receive(peer, buffered.size() + content.size()));
    Coro<size_t> sending = loop_->sendfile(proto->transport, file);
    co_await std::move(sending);
    std::string got = co_await reading;
    co_return got;
  };
  EXPECT_TRUE(run(body()) == buffered + content);
  proto->transport->close();
  run(until(proto->lost));
}

TEST_P(SendfileTest, TransportWriteWhileSendfileRunsRaises) {
  const std::string content = pattern(4 << 20);
  const int file = open_file(content);
  auto [proto, peer] = transport_pair();
  auto body = [&, peer = peer, proto = proto]() -> Coro<std::string> {
    Task<size_t> sending = loop_->create_task(loop_->sendfile(proto->transport, file));
    Coro<void> pause = sleep(0.01);  // the peer reads nothing: sendfile waits for room
    co_await std::move(pause);
    EXPECT_FALSE(sending.done());
    std::string error;
    try {
      proto->transport->write("x");
    } catch (const RuntimeError& e) {
      error = e.message();
    }
    Coro<std::string> reading = receive(peer, content.size());
    std::string got = co_await std::move(reading);
    const size_t sent = co_await sending;
    EXPECT_EQ(sent, content.size());
    EXPECT_TRUE(got == content);
    co_return error;
  };
  EXPECT_EQ(run(body()), "unable to write; sendfile is in progress");
  proto->transport->close();
  run(until(proto->lost));
}

TEST_P(SendfileTest, CancellingSockSendfileStopsSending) {
  const std::string content = pattern(4 << 20);
  const int file = open_file(content);
  auto [a, b] = socket_pair();
  auto body = [&]() -> Coro<size_t> {
    Task<size_t> sending = loop_->create_task(loop_->sock_sendfile(a, file));
    Coro<void> pause = sleep(0.01);  // b reads nothing: sendfile waits for room
    co_await std::move(pause);
    sending.cancel();
    Coro<void> settle = sleep(0.01);
    co_await std::move(settle);
    EXPECT_TRUE(sending.cancelled());
    // What was sent arrives; nothing more follows it.
    size_t arrived = 0;
    std::string chunk(65536, '\0');
    for (;;) {
      absl::StatusOr<size_t> n = ops().recv(b, absl::MakeSpan(chunk));
      if (!n.ok()) break;
      arrived += *n;
    }
    Coro<void> sending_more = loop_->sock_sendall(a, "after");
    co_await std::move(sending_more);
    Coro<std::string> receiving = receive(b, 5);
    const std::string after = co_await std::move(receiving);
    EXPECT_EQ(after, "after");
    co_return arrived;
  };
  const size_t arrived = run(body());
  EXPECT_GT(arrived, 0u);
  EXPECT_LT(arrived, content.size());
}

TEST_P(SendfileTest, SockSendfileInDebugModeRefusesABlockingSocket) {
  const int file = open_file("x");
  auto [a, b] = socket_pair();
  ASSERT_TRUE(ops().set_blocking(a, Blocking::kBlocking).ok());
  loop_->set_debug(true);
  EXPECT_EQ(raised_by(loop_->sock_sendfile(a, file)), "ValueError: the socket must be non-blocking");
}

}  // namespace
}  // namespace seedloop::testing
