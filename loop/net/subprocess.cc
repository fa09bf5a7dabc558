// asyncio.subprocess (loop/net/subprocess.h), after CPython 3.11's
// Lib/asyncio/subprocess.py.

#include "loop/net/subprocess.h"

#include <algorithm>
#include <utility>

#include "loop/errors.h"
#include "loop/policy.h"

namespace seedloop {

// ---- SubprocessStreamProtocol ----

SubprocessStreamProtocol::SubprocessStreamProtocol(EventLoop& loop, size_t limit)
    : loop_(&loop), limit_(limit), flow_(std::make_shared<StreamReaderProtocol>(loop, nullptr)) {}

void SubprocessStreamProtocol::connection_made(std::shared_ptr<SubprocessTransport> transport) {
  transport_ = transport;
  if (std::shared_ptr<Transport> out = transport->get_pipe_transport(1)) {
    stdout = std::make_shared<StreamReader>(*loop_, limit_);
    stdout->set_transport(out);
    pipe_fds_.push_back(1);
  }
  if (std::shared_ptr<Transport> err = transport->get_pipe_transport(2)) {
    stderr = std::make_shared<StreamReader>(*loop_, limit_);
    stderr->set_transport(err);
    pipe_fds_.push_back(2);
  }
  if (std::shared_ptr<Transport> in = transport->get_pipe_transport(0)) {
    stdin = std::make_shared<StreamWriter>(in, flow_, nullptr, *loop_);
  }
}

void SubprocessStreamProtocol::pipe_data_received(int fd, std::string_view data) {
  std::shared_ptr<StreamReader> reader = fd == 1 ? stdout : fd == 2 ? stderr : nullptr;
  if (reader) reader->feed_data(data);
}

void SubprocessStreamProtocol::pipe_connection_lost(int fd, std::exception_ptr exception) {
  if (fd == 0) {
    if (stdin) stdin->close();
    // FlowControlMixin.connection_lost: wakes drain()ers; closed() is
    // CPython's _stdin_closed.
    flow_->connection_lost(exception);
    return;
  }
  std::shared_ptr<StreamReader> reader = fd == 1 ? stdout : fd == 2 ? stderr : nullptr;
  if (reader) {
    if (exception) {
      reader->set_exception(exception);
    } else {
      reader->feed_eof();
    }
  }
  pipe_fds_.erase(std::remove(pipe_fds_.begin(), pipe_fds_.end(), fd), pipe_fds_.end());
  maybe_close_transport();
}

void SubprocessStreamProtocol::process_exited() {
  process_exited_ = true;
  maybe_close_transport();
}

void SubprocessStreamProtocol::connection_lost(std::exception_ptr exception) { flow_->connection_lost(exception); }
void SubprocessStreamProtocol::pause_writing() { flow_->pause_writing(); }
void SubprocessStreamProtocol::resume_writing() { flow_->resume_writing(); }

void SubprocessStreamProtocol::maybe_close_transport() {
  if (!pipe_fds_.empty() || !process_exited_ || !transport_) return;
  transport_->close();
  transport_.reset();
}

// ---- Process ----

Process::Process(std::shared_ptr<SubprocessTransport> transport, std::shared_ptr<SubprocessStreamProtocol> protocol,
                 EventLoop& loop)
    : stdin(protocol->stdin),
      stdout(protocol->stdout),
      stderr(protocol->stderr),
      pid(transport->get_pid()),
      transport_(std::move(transport)),
      protocol_(std::move(protocol)),
      loop_(&loop) {}

Coro<int> Process::wait() {
  Coro<int> waiting = transport_->wait();
  const int returncode = co_await std::move(waiting);
  co_return returncode;
}

Coro<void> Process::feed_stdin(std::string input) {
  std::shared_ptr<Process> keep = shared_from_this();
  try {
    stdin->write(input);
    Coro<void> draining = stdin->drain();
    co_await std::move(draining);
  } catch (const BrokenPipeError&) {
    // The child exited without reading it all: no error (CPython).
  } catch (const ConnectionResetError&) {
  }
  stdin->close();
}

Coro<std::string> Process::read_stream(int fd) {
  std::shared_ptr<Process> keep = shared_from_this();
  std::shared_ptr<StreamReader> stream = fd == 2 ? stderr : stdout;
  Coro<std::string> reading = stream->read();
  std::string output = co_await std::move(reading);
  if (std::shared_ptr<Transport> transport = transport_->get_pipe_transport(fd)) transport->close();
  co_return output;
}

// tasks.gather(stdin, stdout, stderr), then wait(). The three run
// concurrently as tasks; their errors surface in gather's order.
Coro<Communicated> Process::communicate(std::optional<std::string> input) {
  std::shared_ptr<Process> keep = shared_from_this();
  if (input && !stdin) throw ValueError("communicate(input) needs stdin=PIPE");
  std::optional<Task<void>> feeding;
  if (input) feeding = loop_->create_task(feed_stdin(std::move(*input)));
  std::optional<Task<std::string>> reading_out;
  if (stdout) reading_out = loop_->create_task(read_stream(1));
  std::optional<Task<std::string>> reading_err;
  if (stderr) reading_err = loop_->create_task(read_stream(2));
  Communicated result;
  if (feeding) co_await *feeding;
  if (reading_out) result.stdout = co_await *reading_out;
  if (reading_err) result.stderr = co_await *reading_err;
  Coro<int> waiting = wait();
  co_await std::move(waiting);
  co_return result;
}

// ---- create_subprocess_exec / create_subprocess_shell ----

namespace {

Coro<std::shared_ptr<Process>> start_process(bool shell, std::vector<std::string> argv, ProcessOptions options) {
  std::shared_ptr<EventLoop> loop = get_running_loop();
  const size_t limit = options.limit;
  EventLoop* raw = loop.get();
  SubprocessProtocolFactory factory = [raw, limit] { return std::make_shared<SubprocessStreamProtocol>(*raw, limit); };
  SubprocessOptions spawn;
  spawn.stdin = options.stdin;
  spawn.stdout = options.stdout;
  spawn.stderr = options.stderr;
  spawn.cwd = std::move(options.cwd);
  spawn.env = std::move(options.env);
  Coro<SubprocessTransportAndProtocol> starting =
      shell ? loop->subprocess_shell(factory, std::move(argv.at(0)), std::move(spawn))
            : loop->subprocess_exec(factory, std::move(argv), std::move(spawn));
  SubprocessTransportAndProtocol started = co_await std::move(starting);
  auto protocol = std::static_pointer_cast<SubprocessStreamProtocol>(started.second);
  co_return std::make_shared<Process>(started.first, protocol, *loop);
}

}  // namespace

Coro<std::shared_ptr<Process>> create_subprocess_exec(std::vector<std::string> argv, ProcessOptions options) {
  Coro<std::shared_ptr<Process>> starting = start_process(false, std::move(argv), std::move(options));
  std::shared_ptr<Process> process = co_await std::move(starting);
  co_return process;
}

Coro<std::shared_ptr<Process>> create_subprocess_shell(std::string cmd, ProcessOptions options) {
  Coro<std::shared_ptr<Process>> starting = start_process(true, {std::move(cmd)}, std::move(options));
  std::shared_ptr<Process> process = co_await std::move(starting);
  co_return process;
}

}  // namespace seedloop
