// asyncio.subprocess (CPython 3.11 Lib/asyncio/subprocess.py):
// create_subprocess_exec / create_subprocess_shell and the Process they
// return, on the running loop.
//
//   ProcessOptions options;
//   options.stdin = subprocess::PIPE;
//   options.stdout = subprocess::PIPE;
//   std::shared_ptr<Process> p = co_await create_subprocess_exec({"/bin/cat"}, options);
//   Communicated out = co_await p->communicate("hello");   // *out.stdout == "hello"
//   int code = co_await p->wait();                          // 0
//
// Streams: stdin is a StreamWriter and stdout / stderr StreamReaders when
// the stream is subprocess::PIPE, else null. The defaults are Python's
// None: the child inherits the parent's streams.
//
// Process, as asyncio's: returncode() is nullopt while the child runs and
// -N after death by signal N; wait() waits for the exit and for the pipes
// to close (do not wait() with stdout = PIPE unread: the child may block on
// a full pipe; use communicate()). communicate(input) writes input (if
// any) and closes stdin, reads stdout and stderr to their end, then waits;
// a child that exits without reading its stdin is no error (BrokenPipeError
// and ConnectionResetError on stdin are swallowed). send_signal /
// terminate / kill do nothing once the returncode is known, and raise
// ProcessLookupError once the transport has finished.
//
// Errors: what the child's spawn raised (FileNotFoundError "[Errno 2] No
// such file or directory: 'prog'", PermissionError, ...) is raised by
// create_subprocess_* itself.
//
// Ownership: a Process holds its transport; the transport lives until the
// child has exited and its pipes are closed. Threads: the running loop's.

#ifndef SEEDLOOP_LOOP_NET_SUBPROCESS_H_
#define SEEDLOOP_LOOP_NET_SUBPROCESS_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "loop/coro.h"
#include "loop/event_loop.h"
#include "loop/net/stream_reader.h"
#include "loop/net/stream_writer.h"
#include "loop/net/subprocess_options.h"
#include "loop/net/subprocess_transport.h"

namespace seedloop {

// create_subprocess_exec's keyword arguments, with its defaults (None).
struct ProcessOptions {
  Stdio stdin = subprocess::INHERIT;
  Stdio stdout = subprocess::INHERIT;
  Stdio stderr = subprocess::INHERIT;
  std::optional<std::string> cwd;
  std::optional<std::vector<std::string>> env;  // "NAME=value"; nullopt inherits
  size_t limit = StreamReader::kDefaultLimit;   // each StreamReader's
};

// asyncio.subprocess.SubprocessStreamProtocol: feeds the StreamReaders and
// lends its flow control (drain) to the stdin StreamWriter.
class SubprocessStreamProtocol final : public SubprocessProtocol {
 public:
  SubprocessStreamProtocol(EventLoop& loop, size_t limit);

  void connection_made(std::shared_ptr<SubprocessTransport> transport) override;
  void pipe_data_received(int fd, std::string_view data) override;
  void pipe_connection_lost(int fd, std::exception_ptr exception) override;
  void process_exited() override;
  void connection_lost(std::exception_ptr exception) override;
  void pause_writing() override;
  void resume_writing() override;

  std::shared_ptr<StreamWriter> stdin;
  std::shared_ptr<StreamReader> stdout;
  std::shared_ptr<StreamReader> stderr;

 private:
  void maybe_close_transport();

  EventLoop* loop_;
  size_t limit_;
  // streams.FlowControlMixin for stdin: drain() and wait_closed() (its
  // closed() is CPython's _stdin_closed).
  std::shared_ptr<StreamReaderProtocol> flow_;
  std::shared_ptr<SubprocessTransport> transport_;
  bool process_exited_ = false;
  std::vector<int> pipe_fds_;
};

// communicate()'s (stdout, stderr): nullopt for a stream that is not PIPE.
struct Communicated {
  std::optional<std::string> stdout;
  std::optional<std::string> stderr;
};

class Process : public std::enable_shared_from_this<Process> {
 public:
  Process(std::shared_ptr<SubprocessTransport> transport, std::shared_ptr<SubprocessStreamProtocol> protocol,
          EventLoop& loop);

  std::optional<int> returncode() const { return transport_->get_returncode(); }
  Coro<int> wait();
  void send_signal(int sig) { transport_->send_signal(sig); }
  void terminate() { transport_->terminate(); }
  void kill() { transport_->kill(); }
  Coro<Communicated> communicate(std::optional<std::string> input = std::nullopt);
  // "<Process 1234>".
  std::string repr() const { return "<Process " + std::to_string(pid) + ">"; }

  std::shared_ptr<StreamWriter> stdin;
  std::shared_ptr<StreamReader> stdout;
  std::shared_ptr<StreamReader> stderr;
  int pid;

 private:
  Coro<void> feed_stdin(std::string input);
  Coro<std::string> read_stream(int fd);

  std::shared_ptr<SubprocessTransport> transport_;
  std::shared_ptr<SubprocessStreamProtocol> protocol_;
  EventLoop* loop_;
};

Coro<std::shared_ptr<Process>> create_subprocess_exec(std::vector<std::string> argv, ProcessOptions options = {});
Coro<std::shared_ptr<Process>> create_subprocess_shell(std::string cmd, ProcessOptions options = {});

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_NET_SUBPROCESS_H_
