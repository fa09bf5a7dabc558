// WouldBlockSocketOps: the real socket calls, except that the first
// `refusals` send and sendto calls fail as a full socket buffer does
// (EAGAIN). Loopback sockets hardly ever block on send, so tests of the
// "would block, wait until writable, retry" paths use this seam instead of
// hoping the kernel's buffers fill.
//
//   WouldBlockSocketOps* refusing = nullptr;
//   std::shared_ptr<EventLoop> loop = loop_refusing_sends(PollerKind::kEpoll, 3, &refusing);
//   ...                                  // the first 3 sends report EAGAIN
//   EXPECT_EQ(refusing->refused(), 3);

#ifndef SEEDLOOP_TESTS_NET_WOULD_BLOCK_SOCKET_OPS_H_
#define SEEDLOOP_TESTS_NET_WOULD_BLOCK_SOCKET_OPS_H_

#include <cerrno>
#include <memory>
#include <string>
#include <utility>

#include "loop/event_loop.h"
#include "loop/real/selectors.h"
#include "loop/real/socket_ops.h"

namespace seedloop::testing {

class WouldBlockSocketOps : public real::RealSocketOps {
 public:
  explicit WouldBlockSocketOps(int refusals) : refusals_(refusals) {}

  absl::StatusOr<size_t> send(int fd, absl::Span<const char> data) override {
    if (refuse()) return would_block("send", fd);
    return RealSocketOps::send(fd, data);
  }
  absl::StatusOr<size_t> sendto(int fd, absl::Span<const char> data, const SockAddr& address) override {
    if (refuse()) return would_block("sendto", fd);
    return RealSocketOps::sendto(fd, data, address);
  }
  int refused() const { return refused_; }

 private:
  bool refuse() {
    if (refused_ == refusals_) return false;
    ++refused_;
    return true;
  }
  static absl::Status would_block(const char* call, int fd) {
    return with_errno(absl::UnavailableError(std::string(call) + "(fd " + std::to_string(fd) +
                                             "): Resource temporarily unavailable"),
                      EAGAIN);
  }

  const int refusals_;
  int refused_ = 0;
};

// A loop on `kind` whose sends go through a WouldBlockSocketOps (owned by
// the loop; `*ops` points at it).
inline std::shared_ptr<EventLoop> loop_refusing_sends(PollerKind kind, int refusals, WouldBlockSocketOps** ops) {
  Backend backend = new_selector_backend(kind);
  auto refusing = std::make_unique<WouldBlockSocketOps>(refusals);
  *ops = refusing.get();
  backend.sockets = std::move(refusing);
  return EventLoop::create(std::move(backend));
}

}  // namespace seedloop::testing

#endif  // SEEDLOOP_TESTS_NET_WOULD_BLOCK_SOCKET_OPS_H_
