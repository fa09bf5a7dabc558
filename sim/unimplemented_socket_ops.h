// UnimplementedSocketOps: the SocketOps of the simulated backends until the
// simulated network exists. Every call fails with Unimplemented and the
// text "simulated sockets are not implemented yet" (naming the call), so a
// simulated loop's sock_* methods raise NotImplementedError with that text
// instead of touching the operating system.
//
//   backend.sockets = std::make_unique<sim::UnimplementedSocketOps>();
//
// Threads: stateless; any thread.

#ifndef SEEDLOOP_SIM_UNIMPLEMENTED_SOCKET_OPS_H_
#define SEEDLOOP_SIM_UNIMPLEMENTED_SOCKET_OPS_H_

#include <string>
#include <utility>
#include <vector>

#include "loop/backend.h"

namespace seedloop::sim {

class UnimplementedSocketOps : public SocketOps {
 public:
  absl::StatusOr<int> socket(int, int, int) override { return fail("socket"); }
  absl::StatusOr<std::pair<int, int>> socketpair(int, int, int) override { return fail("socketpair"); }
  absl::Status bind(int, const SockAddr&) override { return fail("bind"); }
  absl::Status listen(int, int) override { return fail("listen"); }
  absl::StatusOr<Accepted> accept(int) override { return fail("accept"); }
  absl::Status connect(int, const SockAddr&) override { return fail("connect"); }
  absl::StatusOr<size_t> send(int, absl::Span<const char>) override { return fail("send"); }
  absl::StatusOr<size_t> recv(int, absl::Span<char>) override { return fail("recv"); }
  absl::StatusOr<size_t> sendto(int, absl::Span<const char>, const SockAddr&) override { return fail("sendto"); }
  absl::StatusOr<std::pair<size_t, SockAddr>> recvfrom(int, absl::Span<char>) override { return fail("recvfrom"); }
  absl::Status shutdown(int, int) override { return fail("shutdown"); }
  absl::Status close(int) override { return fail("close"); }
  absl::StatusOr<int> getsockopt(int, int, int) override { return fail("getsockopt"); }
  absl::Status setsockopt(int, int, int, int) override { return fail("setsockopt"); }
  absl::StatusOr<SockAddr> getsockname(int) override { return fail("getsockname"); }
  absl::StatusOr<SockAddr> getpeername(int) override { return fail("getpeername"); }
  absl::Status set_blocking(int, Blocking) override { return fail("set_blocking"); }
  absl::StatusOr<Blocking> get_blocking(int) override { return fail("get_blocking"); }
  absl::StatusOr<std::vector<AddrInfo>> getaddrinfo(const std::string&, const std::string&,
                                                    const AddrInfoHints&) override {
    return fail("getaddrinfo");
  }
  absl::StatusOr<NameInfo> getnameinfo(const SockAddr&, int) override { return fail("getnameinfo"); }
  absl::StatusOr<size_t> sendfile(int, int, int64_t, size_t) override { return fail("sendfile"); }
  absl::StatusOr<size_t> read(int, absl::Span<char>) override { return fail("read"); }
  absl::StatusOr<int64_t> seek(int, int64_t) override { return fail("seek"); }
  absl::StatusOr<FileStat> fstat(int) override { return fail("fstat"); }
  absl::StatusOr<FileStat> stat(const std::string&) override { return fail("stat"); }
  absl::Status unlink(const std::string&) override { return fail("unlink"); }

 private:
  static absl::Status fail(const char* call) {
    return absl::UnimplementedError(std::string(call) + ": simulated sockets are not implemented yet");
  }
};

}  // namespace seedloop::sim

#endif  // SEEDLOOP_SIM_UNIMPLEMENTED_SOCKET_OPS_H_
