// On the simulated backend the file calls of the socket seam (sendfile,
// read, seek, fstat, stat, unlink) are not implemented yet either: they
// fail with Unimplemented naming the call, and sock_sendfile raises
// NotImplementedError without reaching the operating system.

#include "gtest/gtest.h"
#include "loop/event_loop.h"
#include "loop/net/sendfile.h"
#include "sim/unimplemented_socket_ops.h"
#include "sim/virtual_backend.h"

namespace seedloop {
namespace {

TEST(SimulatedFilesTest, FileCallsFailWithUnimplementedNamingTheCall) {
  sim::UnimplementedSocketOps ops;
  char buffer[4];
  EXPECT_EQ(ops.sendfile(4, 5, 0, 1).status().message(), "sendfile: simulated sockets are not implemented yet");
  EXPECT_EQ(ops.read(5, absl::MakeSpan(buffer, 4)).status().message(),
            "read: simulated sockets are not implemented yet");
  EXPECT_EQ(ops.seek(5, 0).status().message(), "seek: simulated sockets are not implemented yet");
  EXPECT_EQ(ops.fstat(5).status().message(), "fstat: simulated sockets are not implemented yet");
  EXPECT_EQ(ops.stat("/x").status().message(), "stat: simulated sockets are not implemented yet");
  EXPECT_EQ(ops.unlink("/x").message(), "unlink: simulated sockets are not implemented yet");
  EXPECT_TRUE(absl::IsUnimplemented(ops.unlink("/x")));
}

TEST(SimulatedFilesTest, SockSendfileRaisesNotImplementedError) {
  auto loop = EventLoop::create(sim::new_virtual_backend());
  try {
    loop->run_until_complete(loop->sock_sendfile(3, 4));
    FAIL() << "sock_sendfile succeeded on the simulated backend";
  } catch (const NotImplementedError& e) {
    EXPECT_EQ(e.message(), "getsockopt: simulated sockets are not implemented yet");
  }
  loop->close();
}

}  // namespace
}  // namespace seedloop
