// asyncio.subprocess on the production backend, with exits heard through
// pidfds and through reaper threads: exit codes, signals, pipes,
// communicate, many children at once, spawn errors; results as CPython
// 3.11 gives them (checked with python3).

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "loop/aio/sleep.h"
#include "loop/errors.h"
#include "loop/net/subprocess.h"
#include "tests/net/process_fixture.h"

namespace seedloop::testing {
namespace {

class SubprocessTest : public ProcessTest {
 protected:
  static ProcessOptions piped() {
    ProcessOptions options;
    options.stdin = subprocess::PIPE;
    options.stdout = subprocess::PIPE;
    options.stderr = subprocess::PIPE;
    return options;
  }
  Coro<int> exit_code_of(std::vector<std::string> argv) {
    Coro<std::shared_ptr<Process>> starting = create_subprocess_exec(std::move(argv));
    std::shared_ptr<Process> p = co_await std::move(starting);
    const int code = co_await p->wait();
    EXPECT_EQ(p->returncode(), code);
    co_return code;
  }
};
INSTANTIATE_TEST_SUITE_P(BothExitWatches, SubprocessTest, kBothExitWatches, exit_watch_name);

TEST_P(SubprocessTest, ExitStatusIsTheReturncode) {
  EXPECT_EQ(run(exit_code_of({"/bin/sh", "-c", "exit 0"})), 0);
  EXPECT_EQ(run(exit_code_of({"/bin/sh", "-c", "exit 3"})), 3);
}

TEST_P(SubprocessTest, DeathBySigkillIsMinusNine) {
  auto body = [&]() -> Coro<int> {
    Coro<std::shared_ptr<Process>> starting = create_subprocess_exec({"/bin/sleep", "10"});
    std::shared_ptr<Process> p = co_await std::move(starting);
    EXPECT_EQ(p->returncode(), std::nullopt);
    p->kill();
    const int code = co_await p->wait();
    co_return code;
  };
  EXPECT_EQ(run(body()), -SIGKILL);
}

TEST_P(SubprocessTest, TerminateEndsASleepingChildWithMinusSigterm) {
  auto body = [&]() -> Coro<int> {
    Coro<std::shared_ptr<Process>> starting = create_subprocess_exec({"/bin/sleep", "10"});
    std::shared_ptr<Process> p = co_await std::move(starting);
    p->terminate();
    const int code = co_await p->wait();
    co_return code;
  };
  const double start = loop_->time();
  EXPECT_EQ(run(body()), -SIGTERM);
  EXPECT_LT(loop_->time() - start, 5.0);
}

TEST_P(SubprocessTest, SignalsAfterTheTransportFinishedRaiseProcessLookupError) {
  auto body = [&]() -> Coro<std::string> {
    Coro<std::shared_ptr<Process>> starting = create_subprocess_exec({"/bin/sh", "-c", "exit 3"});
    std::shared_ptr<Process> p = co_await std::move(starting);
    co_await p->wait();
    // wait() answers at once if the exit was already heard; the transport
    // finishes a callback later.
    for (int i = 0; i < 10; ++i) co_await sleep(0);
    std::string raised;
    try {
      p->send_signal(SIGTERM);
    } catch (const ProcessLookupError& e) {
      raised = describe_exception(std::current_exception());
    }
    co_return raised;
  };
  EXPECT_EQ(run(body()), "ProcessLookupError");
}

TEST_P(SubprocessTest, StdoutAndStderrArriveOnTheirOwnPipes) {
  auto body = [&]() -> Coro<Communicated> {
    Coro<std::shared_ptr<Process>> starting = create_subprocess_exec(
        {"/bin/sh", "-c", "echo out; echo err >&2; exit 4"}, piped());
    std::shared_ptr<Process> p = co_await std::move(starting);
    Communicated out = co_await p->communicate();
    EXPECT_EQ(p->returncode(), 4);
    co_return out;
  };
  Communicated out = run(body());
  EXPECT_EQ(out.stdout, "out\n");
  EXPECT_EQ(out.stderr, "err\n");
}

TEST_P(SubprocessTest, StderrToStdoutMergesTheStreams) {
  auto body = [&]() -> Coro<Communicated> {
    ProcessOptions options;
    options.stdout = subprocess::PIPE;
    options.stderr = subprocess::STDOUT;
    Coro<std::shared_ptr<Process>> starting = create_subprocess_exec({"/bin/sh", "-c", "echo a; echo b >&2"}, options);
    std::shared_ptr<Process> p = co_await std::move(starting);
    EXPECT_EQ(p->stderr, nullptr);
    EXPECT_EQ(p->stdin, nullptr);
    Communicated out = co_await p->communicate();
    co_return out;
  };
  Communicated out = run(body());
  EXPECT_EQ(out.stdout, "a\nb\n");
  EXPECT_EQ(out.stderr, std::nullopt);
}

TEST_P(SubprocessTest, CommunicateFeedsStdinThroughCat) {
  auto body = [&]() -> Coro<Communicated> {
    Coro<std::shared_ptr<Process>> starting = create_subprocess_exec({"/bin/cat"}, piped());
    std::shared_ptr<Process> p = co_await std::move(starting);
    Communicated out = co_await p->communicate("hello\nworld\n");
    EXPECT_EQ(p->returncode(), 0);
    co_return out;
  };
  Communicated out = run(body());
  EXPECT_EQ(out.stdout, "hello\nworld\n");
  EXPECT_EQ(out.stderr, "");
}

TEST_P(SubprocessTest, CommunicateMovesMoreThanThePipesHoldBothWays) {
  const std::string input(4 << 20, 'q');
  auto body = [&]() -> Coro<size_t> {
    Coro<std::shared_ptr<Process>> starting = create_subprocess_exec({"/bin/cat"}, piped());
    std::shared_ptr<Process> p = co_await std::move(starting);
    Communicated out = co_await p->communicate(input);
    EXPECT_EQ(out.stdout, input);
    co_return out.stdout->size();
  };
  EXPECT_EQ(run(body()), input.size());
}

TEST_P(SubprocessTest, CommunicateToAChildThatReadsNothingIsNoError) {
  auto body = [&]() -> Coro<int> {
    Coro<std::shared_ptr<Process>> starting = create_subprocess_exec({"/bin/sh", "-c", "exit 0"}, piped());
    std::shared_ptr<Process> p = co_await std::move(starting);
    co_await p->communicate(std::string(1 << 20, 'x'));  // BrokenPipeError is swallowed
    co_return *p->returncode();
  };
  EXPECT_EQ(run(body()), 0);
}

TEST_P(SubprocessTest, StdoutReadlineThenWait) {
  auto body = [&]() -> Coro<std::string> {
    ProcessOptions options;
    options.stdout = subprocess::PIPE;
    Coro<std::shared_ptr<Process>> starting = create_subprocess_exec({"/bin/echo", "one", "two"}, options);
    std::shared_ptr<Process> p = co_await std::move(starting);
    std::string line = co_await p->stdout->readline();
    const int code = co_await p->wait();
    EXPECT_EQ(code, 0);
    co_return line;
  };
  EXPECT_EQ(run(body()), "one two\n");
}

TEST_P(SubprocessTest, ShellRunsThroughBinSh) {
  auto body = [&]() -> Coro<Communicated> {
    Coro<std::shared_ptr<Process>> starting = create_subprocess_shell("echo a b | /bin/cat; exit 7", piped());
    std::shared_ptr<Process> p = co_await std::move(starting);
    Communicated out = co_await p->communicate();
    EXPECT_EQ(p->returncode(), 7);
    co_return out;
  };
  EXPECT_EQ(run(body()).stdout, "a b\n");
}

TEST_P(SubprocessTest, CwdAndEnvAreTheChilds) {
  auto body = [&]() -> Coro<Communicated> {
    ProcessOptions options = piped();
    options.cwd = "/";
    options.env = std::vector<std::string>{"SEEDLOOP_GREETING=bonjour"};
    Coro<std::shared_ptr<Process>> starting = create_subprocess_exec(
        {"/bin/sh", "-c", "pwd; echo $SEEDLOOP_GREETING"}, options);
    std::shared_ptr<Process> p = co_await std::move(starting);
    Communicated out = co_await p->communicate();
    co_return out;
  };
  EXPECT_EQ(run(body()).stdout, "/\nbonjour\n");
}

TEST_P(SubprocessTest, AMissingProgramRaisesFileNotFoundErrorFromCreate) {
  auto body = [&]() -> Coro<std::string> {
    std::string raised;
    try {
      Coro<std::shared_ptr<Process>> starting = create_subprocess_exec({"seedloop-no-such-program"}, piped());
      co_await std::move(starting);
    } catch (const FileNotFoundError& e) {
      raised = e.message();
      EXPECT_EQ(e.error_number(), ENOENT);
    }
    co_return raised;
  };
  EXPECT_EQ(run(body()), "[Errno 2] No such file or directory: 'seedloop-no-such-program'");
}

TEST_P(SubprocessTest, AMissingCwdRaisesFileNotFoundErrorNamingIt) {
  auto body = [&]() -> Coro<std::string> {
    std::string raised;
    ProcessOptions options;
    options.cwd = "/seedloop-no-such-dir";
    try {
      Coro<std::shared_ptr<Process>> starting = create_subprocess_exec({"/bin/echo"}, options);
      co_await std::move(starting);
    } catch (const FileNotFoundError& e) {
      raised = e.message();
    }
    co_return raised;
  };
  EXPECT_EQ(run(body()), "[Errno 2] No such file or directory: '/seedloop-no-such-dir'");
}

TEST_P(SubprocessTest, FiftyChildrenInParallelAreAllReaped) {
  constexpr int kChildren = 50;
  auto one = [](int i) -> Coro<std::string> {
    ProcessOptions options;
    options.stdout = subprocess::PIPE;
    Coro<std::shared_ptr<Process>> starting = create_subprocess_exec({"/bin/echo", std::to_string(i)}, options);
    std::shared_ptr<Process> p = co_await std::move(starting);
    Communicated out = co_await p->communicate();
    EXPECT_EQ(p->returncode(), 0);
    co_return *out.stdout;
  };
  auto body = [&]() -> Coro<std::vector<std::string>> {
    std::vector<Task<std::string>> tasks;
    for (int i = 0; i < kChildren; ++i) tasks.push_back(loop_->create_task(one(i)));
    std::vector<std::string> outputs;
    for (Task<std::string>& t : tasks) outputs.push_back(co_await t);
    co_return outputs;
  };
  std::vector<std::string> outputs = run(body());
  ASSERT_EQ(outputs.size(), static_cast<size_t>(kChildren));
  for (int i = 0; i < kChildren; ++i) EXPECT_EQ(outputs[i], std::to_string(i) + "\n");
  // No zombie is left: this process has no child at all.
  errno = 0;
  EXPECT_EQ(waitpid(-1, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

}  // namespace
}  // namespace seedloop::testing
