#include "loop/real/selectors.h"

#include <cassert>
#include <cstring>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "loop/errors.h"
#include "loop/real/epoll_poller.h"
#include "loop/real/poll_poller.h"
#include "loop/real/process_ops.h"
#include "loop/real/select_poller.h"
#include "loop/real/signal_ops.h"
#include "loop/real/socket_ops.h"
#include "loop/real/steady_clock.h"
#include "loop/real/thread_boundary.h"

namespace seedloop {
namespace {

// Python's constructors raise OSError: so do these factories.
template <typename P>
std::unique_ptr<Poller> or_raise(absl::StatusOr<std::unique_ptr<P>> poller) {
  if (poller.ok()) return std::move(poller).value();
  const int err = errno_of(poller.status());
  if (err != 0) std::rethrow_exception(make_os_error(err, std::strerror(err)));
  throw OSError(0, std::string(poller.status().message()));
}

}  // namespace

const char* poller_kind_name(PollerKind kind) {
  switch (kind) {
    case PollerKind::kEpoll:
      return "epoll";
    case PollerKind::kPoll:
      return "poll";
    case PollerKind::kSelect:
      return "select";
  }
  return "?";
}

std::unique_ptr<Poller> EpollSelector() { return or_raise(real::EpollPoller::Create()); }
std::unique_ptr<Poller> PollSelector() { return or_raise(real::PollPoller::Create()); }
std::unique_ptr<Poller> SelectSelector() { return or_raise(real::SelectPoller::Create()); }
std::unique_ptr<Poller> DefaultSelector() { return EpollSelector(); }

std::unique_ptr<Poller> new_selector(PollerKind kind) {
  switch (kind) {
    case PollerKind::kEpoll:
      return EpollSelector();
    case PollerKind::kPoll:
      return PollSelector();
    case PollerKind::kSelect:
      return SelectSelector();
  }
  throw ValueError("unknown PollerKind");
}

Backend new_selector_backend(std::unique_ptr<Poller> poller) {
  assert(poller != nullptr);
  Backend backend;
  backend.clock = std::make_unique<real::SteadyClock>();
  backend.poller = std::move(poller);
  backend.threads = std::make_unique<real::RealThreadBoundary>(backend.poller.get());
  backend.sockets = std::make_unique<real::RealSocketOps>();
  backend.signals = std::make_unique<real::RealSignalOps>();
  backend.processes = std::make_unique<real::RealProcessOps>();
  return backend;
}

Backend new_selector_backend(PollerKind kind) { return new_selector_backend(new_selector(kind)); }

}  // namespace seedloop
