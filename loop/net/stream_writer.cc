#include "loop/net/stream_writer.h"

#include <algorithm>
#include <cassert>
#include <utility>

#include "loop/aio/sleep.h"
#include "loop/errors.h"

namespace seedloop {

StreamReaderProtocol::StreamReaderProtocol(EventLoop& loop, std::shared_ptr<StreamReader> reader,
                                           ClientConnected client_connected)
    : loop_(&loop),
      reader_(std::move(reader)),
      client_connected_(std::move(client_connected)),
      closed_(loop.create_future()) {}

StreamReaderProtocol::~StreamReaderProtocol() {
  // streams.StreamReaderProtocol.__del__: a closed future's error counts as
  // retrieved ("Prevent reports about unhandled exceptions").
  if (closed_.done() && !closed_.cancelled()) (void)closed_.exception();
}

void StreamReaderProtocol::connection_made(std::shared_ptr<Transport> transport) {
  transport_ = transport;
  over_ssl_ = !std::holds_alternative<std::monostate>(transport->get_extra_info("sslcontext"));
  if (reader_) reader_->set_transport(transport);
  if (client_connected_) {
    writer_ = std::make_shared<StreamWriter>(transport, shared_from_this(), reader_, *loop_);
    Coro<void> handling = client_connected_(reader_, writer_);
    task_ = loop_->create_task(std::move(handling));
  }
}

void StreamReaderProtocol::connection_lost(std::exception_ptr exception) {
  if (reader_) {
    if (exception) {
      reader_->set_exception(exception);
    } else {
      reader_->feed_eof();
    }
  }
  if (!closed_.done()) {
    if (exception) {
      closed_.set_exception(exception);
    } else {
      closed_.set_result();
    }
  }
  // FlowControlMixin.connection_lost: wake paused writers.
  connection_lost_ = true;
  if (paused_) {
    for (Future<void>& waiter : drain_waiters_) {
      if (waiter.done()) continue;
      if (exception) {
        waiter.set_exception(exception);
      } else {
        waiter.set_result();
      }
    }
  }
  reader_.reset();
  writer_.reset();
  task_.reset();
  transport_.reset();
}

void StreamReaderProtocol::replace_transport(std::shared_ptr<Transport> transport) {
  // 3.11 leaves the reader's transport (for pause/resume_reading) as it was.
  over_ssl_ = !std::holds_alternative<std::monostate>(transport->get_extra_info("sslcontext"));
  transport_ = std::move(transport);
}

void StreamReaderProtocol::data_received(std::string_view data) {
  if (reader_) reader_->feed_data(data);
}

bool StreamReaderProtocol::eof_received() {
  if (reader_) reader_->feed_eof();
  // Keep the transport open for writing; over TLS, return false as
  // CPython does ("returning true from eof_received() has no effect when
  // using ssl").
  return !over_ssl_;
}

void StreamReaderProtocol::pause_writing() {
  assert(!paused_ && "pause_writing twice");
  paused_ = true;
}

void StreamReaderProtocol::resume_writing() {
  assert(paused_ && "resume_writing without pause_writing");
  paused_ = false;
  for (Future<void>& waiter : drain_waiters_) {
    if (!waiter.done()) waiter.set_result();
  }
}

Coro<void> StreamReaderProtocol::drain_helper() {
  if (connection_lost_) throw ConnectionResetError(0, "Connection lost");
  if (!paused_) co_return;
  // The protocol may be let go by its transport while we wait.
  std::shared_ptr<StreamReaderProtocol> self = shared_from_this();
  Future<void> waiter = loop_->create_future();
  drain_waiters_.push_back(waiter);
  std::exception_ptr failure;
  try {
    co_await waiter;
  } catch (...) {
    failure = std::current_exception();
  }
  drain_waiters_.erase(std::find_if(drain_waiters_.begin(), drain_waiters_.end(),
                                    [&](const Future<void>& w) { return w.base() == waiter.base(); }));
  if (failure) std::rethrow_exception(failure);
}

StreamWriter::StreamWriter(std::shared_ptr<Transport> transport, std::shared_ptr<StreamReaderProtocol> protocol,
                           std::shared_ptr<StreamReader> reader, EventLoop& loop)
    : transport_(std::move(transport)), protocol_(std::move(protocol)), reader_(std::move(reader)), loop_(&loop) {}

Coro<void> StreamWriter::drain() {
  if (reader_ && reader_->exception()) std::rethrow_exception(reader_->exception());
  if (transport_->is_closing()) {
    // "Yield to the event loop so connection_lost() may be called."
    co_await sleep(0);
  }
  Coro<void> draining = protocol_->drain_helper();
  co_await std::move(draining);
}

Coro<void> StreamWriter::start_tls(std::shared_ptr<SSLContext> sslcontext, std::string server_hostname,
                                   std::optional<double> ssl_handshake_timeout) {
  const bool server_side = protocol_->is_server_side();
  Coro<void> draining = drain();
  co_await std::move(draining);
  StartTlsOptions options;
  options.server_side = server_side;
  options.server_hostname = std::move(server_hostname);
  options.ssl_handshake_timeout = ssl_handshake_timeout;
  Coro<std::shared_ptr<Transport>> upgrading =
      loop_->start_tls(transport_, protocol_, std::move(sslcontext), std::move(options));
  std::shared_ptr<Transport> upgraded = co_await std::move(upgrading);
  transport_ = upgraded;
  protocol_->replace_transport(std::move(upgraded));
}

Coro<void> StreamWriter::wait_closed() {
  Future<void> closed = protocol_->closed();
  co_await closed;
}

}  // namespace seedloop
