// loop.subprocess_exec / subprocess_shell with a SubprocessProtocol: the
// order of the protocol calls, the pipe transports, stdio choices and the
// transport's close(), after CPython 3.11's base_subprocess.py.

#include <signal.h>

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "loop/aio/sleep.h"
#include "loop/aio/wait_for.h"
#include "loop/errors.h"
#include "loop/net/subprocess_transport.h"
#include "tests/net/process_fixture.h"

namespace seedloop::testing {
namespace {

// Writes down every call: "made", "data 1: ...", "pipe lost 1", "exited", "lost".
class RecordingSubprocessProtocol : public SubprocessProtocol {
 public:
  explicit RecordingSubprocessProtocol(EventLoop& loop) : lost(loop.create_future()) {}
  void connection_made(std::shared_ptr<SubprocessTransport> t) override {
    transport = std::move(t);
    events.push_back("made");
  }
  void pipe_data_received(int fd, std::string_view data) override {
    events.push_back("data " + std::to_string(fd) + ": " + std::string(data));
    output[fd].append(data);
  }
  void pipe_connection_lost(int fd, std::exception_ptr e) override {
    events.push_back("pipe lost " + std::to_string(fd) + (e ? ": " + describe_exception(e) : ""));
  }
  void process_exited() override { events.push_back("exited"); }
  void connection_lost(std::exception_ptr e) override {
    events.push_back(e ? "lost: " + describe_exception(e) : "lost");
    lost.set_result();
  }

  std::shared_ptr<SubprocessTransport> transport;
  std::vector<std::string> events;
  std::string output[3];
  Future<void> lost;
};

class SubprocessTransportTest : public ProcessTest {
 protected:
  Coro<std::shared_ptr<RecordingSubprocessProtocol>> exec(std::vector<std::string> argv,
                                                          SubprocessOptions options = {}) {
    auto proto = std::make_shared<RecordingSubprocessProtocol>(*loop_);
    Coro<SubprocessTransportAndProtocol> starting =
        loop_->subprocess_exec([proto] { return proto; }, std::move(argv), std::move(options));
    SubprocessTransportAndProtocol started = co_await std::move(starting);
    EXPECT_EQ(started.second, proto);
    EXPECT_EQ(started.first, proto->transport);
    co_return proto;
  }
  // The returncode once connection_lost has run: then every pipe's data has
  // been delivered (wait() alone may return first: it answers at once when
  // the exit is already known, as in CPython).
  Coro<int> finished(std::shared_ptr<RecordingSubprocessProtocol> p) {
    Coro<void> waiting = wait_for(p->lost, 5.0);
    co_await std::move(waiting);
    co_return *p->transport->get_returncode();
  }
  static size_t index_of(const std::vector<std::string>& events, const std::string& event) {
    return static_cast<size_t>(std::find(events.begin(), events.end(), event) - events.begin());
  }
};
INSTANTIATE_TEST_SUITE_P(BothExitWatches, SubprocessTransportTest, kBothExitWatches, exit_watch_name);

TEST_P(SubprocessTransportTest, ConnectionMadeComesFirstAndConnectionLostLast) {
  auto body = [&]() -> Coro<std::vector<std::string>> {
    std::vector<std::string> argv = {"/bin/echo", "hi"};
    std::shared_ptr<RecordingSubprocessProtocol> p = co_await exec(argv);
    const int code = co_await p->transport->wait();
    EXPECT_EQ(code, 0);
    const int returncode = co_await finished(p);
    EXPECT_EQ(returncode, 0);
    co_return p->events;
  };
  std::vector<std::string> events = run(body());
  ASSERT_GE(events.size(), 6u);
  EXPECT_EQ(events.front(), "made");
  EXPECT_EQ(events.back(), "lost");
  for (const char* e : {"pipe lost 0", "pipe lost 1", "pipe lost 2", "exited"}) {
    EXPECT_LT(index_of(events, e), events.size() - 1) << e;
  }
  EXPECT_LT(index_of(events, "data 1: hi\n"), index_of(events, "pipe lost 1"));
}

TEST_P(SubprocessTransportTest, SignalsAreIgnoredOnceExitedThenRaiseProcessLookupErrorOnceFinished) {
  auto body = [&]() -> Coro<std::string> {
    // A grandchild keeps stdout open a while after the child has exited:
    // the exit is known, the transport cannot finish yet.
    std::vector<std::string> argv = {"/bin/sh", "-c", "/bin/sleep 0.3 & exit 0"};
    std::shared_ptr<RecordingSubprocessProtocol> p = co_await exec(argv);
    while (!p->transport->get_returncode()) co_await sleep(0.001);
    p->transport->send_signal(SIGTERM);  // Popen.send_signal: the child is gone, nothing to do
    EXPECT_FALSE(p->lost.done());
    co_await finished(p);
    std::string raised;
    try {
      p->transport->kill();
    } catch (const ProcessLookupError&) {
      raised = describe_exception(std::current_exception());
    }
    co_return raised;
  };
  EXPECT_EQ(run(body()), "ProcessLookupError");
}

TEST_P(SubprocessTransportTest, PipeTransportsExistForPipesOnly) {
  auto body = [&]() -> Coro<void> {
    SubprocessOptions options;
    options.stdin = subprocess::DEVNULL;
    options.stderr = subprocess::STDOUT;
    std::vector<std::string> argv = {"/bin/sh", "-c", "echo to-err >&2"};
    std::shared_ptr<RecordingSubprocessProtocol> p = co_await exec(argv, options);
    EXPECT_EQ(p->transport->get_pipe_transport(0), nullptr);
    EXPECT_NE(p->transport->get_pipe_transport(1), nullptr);
    EXPECT_EQ(p->transport->get_pipe_transport(2), nullptr);
    EXPECT_GT(p->transport->get_pid(), 0);
    co_await finished(p);
    EXPECT_EQ(p->output[1], "to-err\n");
  };
  run(body());
}

TEST_P(SubprocessTransportTest, StdinWrittenThroughThePipeTransportReachesTheChild) {
  auto body = [&]() -> Coro<std::string> {
    std::vector<std::string> argv = {"/bin/cat"};
    std::shared_ptr<RecordingSubprocessProtocol> p = co_await exec(argv);
    std::shared_ptr<Transport> in = p->transport->get_pipe_transport(0);
    in->write("through cat");
    in->close();
    const int code = co_await finished(p);
    EXPECT_EQ(code, 0);
    co_return p->output[1];
  };
  EXPECT_EQ(run(body()), "through cat");
}

TEST_P(SubprocessTransportTest, AChildCanReadAnFdOfTheParent) {
  auto body = [&]() -> Coro<std::string> {
    absl::StatusOr<std::pair<int, int>> pipe = ops().pipe(Blocking::kBlocking);
    EXPECT_TRUE(pipe.ok());
    EXPECT_TRUE(ops().write(pipe->second, absl::MakeConstSpan("from fd", 7)).ok());
    EXPECT_TRUE(ops().close(pipe->second).ok());
    SubprocessOptions options;
    options.stdin = Stdio::from_fd(pipe->first);
    std::vector<std::string> argv = {"/bin/cat"};
    std::shared_ptr<RecordingSubprocessProtocol> p = co_await exec(argv, options);
    EXPECT_TRUE(ops().close(pipe->first).ok());  // the parent still owns its fd
    co_await finished(p);
    co_return p->output[1];
  };
  EXPECT_EQ(run(body()), "from fd");
}

TEST_P(SubprocessTransportTest, CloseKillsARunningChild) {
  auto body = [&]() -> Coro<int> {
    std::vector<std::string> argv = {"/bin/sleep", "10"};
    std::shared_ptr<RecordingSubprocessProtocol> p = co_await exec(argv);
    p->transport->close();
    EXPECT_TRUE(p->transport->is_closing());
    const int code = co_await p->transport->wait();
    co_return code;
  };
  EXPECT_EQ(run(body()), -SIGKILL);
}

TEST_P(SubprocessTransportTest, SendSignalDeliversTheSignal) {
  auto body = [&]() -> Coro<int> {
    std::vector<std::string> argv = {"/bin/sleep", "10"};
    std::shared_ptr<RecordingSubprocessProtocol> p = co_await exec(argv);
    EXPECT_EQ(p->transport->get_returncode(), std::nullopt);
    p->transport->send_signal(SIGINT);
    const int code = co_await p->transport->wait();
    EXPECT_EQ(p->transport->get_returncode(), code);
    co_return code;
  };
  EXPECT_EQ(run(body()), -SIGINT);
}

TEST_P(SubprocessTransportTest, ShellRunsTheCommandWithBinShC) {
  auto body = [&]() -> Coro<std::string> {
    auto proto = std::make_shared<RecordingSubprocessProtocol>(*loop_);
    Coro<SubprocessTransportAndProtocol> starting =
        loop_->subprocess_shell([proto] { return proto; }, "echo $0 && exit 5");
    co_await std::move(starting);
    const int code = co_await finished(proto);
    EXPECT_EQ(code, 5);
    co_return proto->output[1];
  };
  EXPECT_EQ(run(body()), "/bin/sh\n");
}

TEST_P(SubprocessTransportTest, SpawnFailureIsRaisedAndLeavesNothingOpen) {
  auto body = [&]() -> Coro<std::string> {
    std::string raised;
    try {
      std::vector<std::string> argv = {"/seedloop/no/such/program"};
      co_await exec(argv);
    } catch (const FileNotFoundError& e) {
      raised = e.message();
    }
    co_return raised;
  };
  EXPECT_EQ(run(body()), "[Errno 2] No such file or directory: '/seedloop/no/such/program'");
}

}  // namespace
}  // namespace seedloop::testing
