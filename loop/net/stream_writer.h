// StreamWriter and StreamReaderProtocol: asyncio's (CPython 3.11
// Lib/asyncio/streams.py), the protocol that feeds a StreamReader and the
// writer in front of a transport.
//
//   writer->write("GET / HTTP/1.0\r\n\r\n");
//   co_await writer->drain();      // waits while the transport is paused
//   writer->close();
//   co_await writer->wait_closed();
//
// drain(): raises the reader's stored error, if any; if the transport is
// closing, yields one iteration so connection_lost can run; then waits
// while the transport has paused writing (above its high water mark),
// raising ConnectionResetError("Connection lost") once the connection is
// gone, or the connection's error.
//
// StreamReaderProtocol in server mode (a ClientConnected callback given):
// connection_made makes the StreamWriter and runs the callback as a task,
// as start_server does. wait_closed() completes when connection_lost has
// run (with its error, if any).
//
// Ownership: all shared_ptr. The protocol holds its reader (and, in server
// mode, its writer) until connection_lost; the writer holds the transport,
// the protocol and the reader. A StreamReaderProtocol must be made with
// std::make_shared (connection_made hands shared_from_this to the writer).
// A ClientConnected callable is kept by the server's protocol factory:
// captures in it outlive each call (it is called once per connection, and
// its coroutine's parameters are copied into the coroutine frame).
//
// Threads: the loop's thread only.

#ifndef SEEDLOOP_LOOP_NET_STREAM_WRITER_H_
#define SEEDLOOP_LOOP_NET_STREAM_WRITER_H_

#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "loop/coro.h"
#include "loop/event_loop.h"
#include "loop/future.h"
#include "loop/net/protocols.h"
#include "loop/net/server_options.h"
#include "loop/net/stream_reader.h"
#include "loop/task.h"

namespace seedloop {

class StreamWriter;

// start_server's client_connected_cb, a coroutine function.
using ClientConnected = std::function<Coro<void>(std::shared_ptr<StreamReader>, std::shared_ptr<StreamWriter>)>;

class StreamReaderProtocol final : public Protocol, public std::enable_shared_from_this<StreamReaderProtocol> {
 public:
  StreamReaderProtocol(EventLoop& loop, std::shared_ptr<StreamReader> reader,
                       ClientConnected client_connected = nullptr);
  ~StreamReaderProtocol() override;

  void connection_made(std::shared_ptr<Transport> transport) override;
  void connection_lost(std::exception_ptr exception) override;
  void data_received(std::string_view data) override;
  bool eof_received() override;
  void pause_writing() override;
  void resume_writing() override;

  // FlowControlMixin._drain_helper.
  Coro<void> drain_helper();
  // Done when connection_lost has run.
  Future<void> closed() const { return closed_; }
  // True for the protocols start_server makes (CPython: a
  // client_connected_cb is set), which are the server side of start_tls.
  bool is_server_side() const { return client_connected_ != nullptr; }
  // StreamReaderProtocol._replace_writer: `transport` (the TLS one
  // start_tls returned) is this connection's transport from now on.
  void replace_transport(std::shared_ptr<Transport> transport);

 private:
  EventLoop* loop_;
  std::shared_ptr<StreamReader> reader_;
  ClientConnected client_connected_;
  std::shared_ptr<StreamWriter> writer_;  // server mode
  std::optional<Task<void>> task_;
  std::shared_ptr<Transport> transport_;
  Future<void> closed_;
  bool paused_ = false;
  bool connection_lost_ = false;
  bool over_ssl_ = false;  // the transport is TLS ("sslcontext" is set)
  std::vector<Future<void>> drain_waiters_;
};

class StreamWriter {
 public:
  StreamWriter(std::shared_ptr<Transport> transport, std::shared_ptr<StreamReaderProtocol> protocol,
               std::shared_ptr<StreamReader> reader, EventLoop& loop);

  const std::shared_ptr<Transport>& transport() const { return transport_; }
  void write(std::string_view data) { transport_->write(data); }
  void writelines(absl::Span<const std::string> pieces) { transport_->writelines(pieces); }
  void write_eof() { transport_->write_eof(); }
  bool can_write_eof() const { return transport_->can_write_eof(); }
  void close() { transport_->close(); }
  bool is_closing() const { return transport_->is_closing(); }
  ExtraInfo get_extra_info(std::string_view name) const { return transport_->get_extra_info(name); }
  Coro<void> drain();
  Coro<void> wait_closed();
  // StreamWriter.start_tls (new in 3.11): drains, then upgrades the
  // connection to TLS in place with loop.start_tls; this writer and its
  // reader carry TLS from then on. The side is the protocol's: a writer
  // start_server made is the server. `server_hostname` empty: Python's
  // None. Errors are start_tls's (the connection is closed then).
  //
  //   writer->write("STARTTLS\n");
  //   co_await writer->drain();
  //   co_await reader->readline();                      // "OK\n"
  //   co_await writer->start_tls(client_ctx, "mail.example.com");
  Coro<void> start_tls(std::shared_ptr<SSLContext> sslcontext, std::string server_hostname = "",
                       std::optional<double> ssl_handshake_timeout = std::nullopt);

 private:
  std::shared_ptr<Transport> transport_;
  std::shared_ptr<StreamReaderProtocol> protocol_;
  std::shared_ptr<StreamReader> reader_;
  EventLoop* loop_;
};

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_NET_STREAM_WRITER_H_
