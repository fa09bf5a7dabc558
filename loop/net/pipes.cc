// EventLoop: connect_read_pipe, connect_write_pipe, subprocess_exec and
// subprocess_shell, after CPython 3.11's base_events.py and
// unix_events._make_subprocess_transport.

#include <string>
#include <utility>
#include <vector>

#include "loop/errors.h"
#include "loop/event_loop.h"
#include "loop/net/internal/connection_made.h"
#include "loop/net/pipe_transport.h"
#include "loop/net/subprocess_transport.h"

namespace seedloop {

namespace {

std::shared_ptr<BaseProtocol> make_protocol(const ProtocolFactory& factory) {
  std::shared_ptr<BaseProtocol> protocol = factory();
  if (!protocol) throw TypeError("protocol_factory() returned no protocol");
  return protocol;
}

}  // namespace

Coro<TransportAndProtocol> EventLoop::connect_read_pipe(ProtocolFactory factory, int fd) {
  std::shared_ptr<BaseProtocol> protocol = make_protocol(factory);
  Future<void> waiter = create_future();
  std::shared_ptr<ReadPipeTransport> transport = ReadPipeTransport::create(*this, fd, protocol, waiter);
  Coro<void> made = internal::wait_connection_made(waiter, [transport] { transport->close(); });
  co_await std::move(made);
  co_return TransportAndProtocol{transport, protocol};
}

Coro<TransportAndProtocol> EventLoop::connect_write_pipe(ProtocolFactory factory, int fd) {
  std::shared_ptr<BaseProtocol> protocol = make_protocol(factory);
  Future<void> waiter = create_future();
  std::shared_ptr<WritePipeTransport> transport = WritePipeTransport::create(*this, fd, protocol, waiter);
  Coro<void> made = internal::wait_connection_made(waiter, [transport] { transport->close(); });
  co_await std::move(made);
  co_return TransportAndProtocol{transport, protocol};
}

// base_events.subprocess_exec + unix_events._make_subprocess_transport.
Coro<SubprocessTransportAndProtocol> EventLoop::subprocess_exec(SubprocessProtocolFactory factory,
                                                                std::vector<std::string> argv,
                                                                SubprocessOptions options) {
  if (argv.empty()) throw ValueError("program must be given");
  std::shared_ptr<SubprocessProtocol> protocol = factory();
  if (!protocol) throw TypeError("protocol_factory() returned no protocol");
  Future<void> waiter = create_future();
  std::shared_ptr<SubprocessTransport> transport =
      SubprocessTransport::create(*this, protocol, std::move(argv), options, waiter);
  std::exception_ptr failure;
  try {
    co_await waiter;
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) {
    transport->close();
    Coro<int> waiting = transport->wait();
    co_await std::move(waiting);
    std::rethrow_exception(failure);
  }
  co_return SubprocessTransportAndProtocol{transport, protocol};
}

// base_events.subprocess_shell: Popen(cmd, shell=True) runs /bin/sh -c cmd.
Coro<SubprocessTransportAndProtocol> EventLoop::subprocess_shell(SubprocessProtocolFactory factory, std::string cmd,
                                                                 SubprocessOptions options) {
  Coro<SubprocessTransportAndProtocol> running =
      subprocess_exec(std::move(factory), {"/bin/sh", "-c", std::move(cmd)}, std::move(options));
  SubprocessTransportAndProtocol result = co_await std::move(running);
  co_return result;
}

}  // namespace seedloop
