// new_default_backend(): the production Backend (backend.h's link-time seam,
// like LevelDB's Env::Default()): SteadyClock, EpollPoller, a
// RealThreadBoundary that wakes that poller, and RealSocketOps
// (new_selector_backend in selectors.h).
//
// Failure: the only fallible step is creating the epoll instance and its
// eventfd, which fails only when the process or system is out of file
// descriptors (EMFILE/ENFILE) or kernel memory. new_default_backend() has no
// error path (where asyncio's new_event_loop() would raise OSError), so this
// is treated as an environment error: the process aborts with the status
// printed. A caller that must survive it builds the Backend itself from
// EpollPoller::Create().

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>

#include "loop/backend.h"
#include "loop/real/epoll_poller.h"
#include "loop/real/selectors.h"

namespace seedloop {

Backend new_default_backend() {
  auto poller = real::EpollPoller::Create();
  if (!poller.ok()) {
    std::fprintf(stderr, "seedloop: new_default_backend: cannot create the epoll poller: %s\n",
                 poller.status().ToString().c_str());
    std::abort();
  }
  return new_selector_backend(std::move(poller).value());
}

}  // namespace seedloop
