// On the simulated backend the pipe and subprocess methods exist but its
// ProcessOps is not implemented yet: they raise NotImplementedError saying
// so, and never reach the operating system (no child is started).

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "loop/event_loop.h"
#include "loop/net/protocols.h"
#include "loop/net/subprocess_transport.h"
#include "sim/virtual_backend.h"

namespace seedloop {
namespace {

template <typename T>
std::string not_implemented_text(EventLoop& loop, Coro<T> coro) {
  try {
    loop.run_until_complete(std::move(coro));
  } catch (const NotImplementedError& e) {
    return e.message();
  }
  return "no NotImplementedError";
}

TEST(SimulatedProcessesTest, ConnectReadPipeRaisesNotImplementedError) {
  auto loop = EventLoop::create(sim::new_virtual_backend());
  Coro<TransportAndProtocol> connecting =
      loop->connect_read_pipe([] { return std::make_shared<Protocol>(); }, 3);
  EXPECT_EQ(not_implemented_text(*loop, std::move(connecting)),
            "fd_type: simulated processes are not implemented yet");
  loop->close();
}

TEST(SimulatedProcessesTest, SubprocessExecRaisesNotImplementedError) {
  auto loop = EventLoop::create(sim::new_virtual_backend());
  std::vector<std::string> argv = {"/bin/echo", "hi"};
  Coro<SubprocessTransportAndProtocol> piped =
      loop->subprocess_exec([] { return std::make_shared<SubprocessProtocol>(); }, argv);
  EXPECT_EQ(not_implemented_text(*loop, std::move(piped)), "pipe: simulated processes are not implemented yet");
  SubprocessOptions inherit;
  inherit.stdin = inherit.stdout = inherit.stderr = subprocess::INHERIT;
  Coro<SubprocessTransportAndProtocol> unpiped =
      loop->subprocess_exec([] { return std::make_shared<SubprocessProtocol>(); }, argv, inherit);
  EXPECT_EQ(not_implemented_text(*loop, std::move(unpiped)), "spawn: simulated processes are not implemented yet");
  loop->close();
}

}  // namespace
}  // namespace seedloop
