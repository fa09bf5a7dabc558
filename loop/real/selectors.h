// The production pollers by asyncio's selectors names, and backends on
// them (seed 004: `selector = selectors.SelectSelector();
// loop = asyncio.SelectorEventLoop(selector)`; the loop itself is made by
// SelectorEventLoop in loop/real/selector_event_loop.h).
//
//   std::unique_ptr<Poller> p = SelectSelector();   // raises OSError on failure
//   Backend b = new_selector_backend(std::move(p));
//   auto loop = EventLoop::create(std::move(b));
//
//   Backend b2 = new_selector_backend(PollerKind::kPoll);
//
// EpollSelector is EpollPoller (the default: DefaultSelector, as
// selectors.DefaultSelector is epoll on Linux), PollSelector PollPoller,
// SelectSelector SelectPoller. Like Python's constructors, the factories
// raise OSError (errno from the failing system call) instead of returning a
// status; the pollers' own Create() return StatusOr.
//
// A selector backend is the production one around the given poller: the
// steady clock, a RealThreadBoundary that wakes that poller, and
// RealSocketOps.
//
// Threads: any thread may make pollers and backends; a backend's loop then
// belongs to the thread that runs it.

#ifndef SEEDLOOP_LOOP_REAL_SELECTORS_H_
#define SEEDLOOP_LOOP_REAL_SELECTORS_H_

#include <memory>

#include "loop/backend.h"

namespace seedloop {

enum class PollerKind { kEpoll, kPoll, kSelect };

// "epoll", "poll" or "select".
const char* poller_kind_name(PollerKind kind);

std::unique_ptr<Poller> EpollSelector();
std::unique_ptr<Poller> PollSelector();
std::unique_ptr<Poller> SelectSelector();
std::unique_ptr<Poller> DefaultSelector();
std::unique_ptr<Poller> new_selector(PollerKind kind);

// The production backend around `poller` (non-null).
Backend new_selector_backend(std::unique_ptr<Poller> poller);
// new_selector_backend(new_selector(kind)); raises OSError on failure.
// (Not an overload of new_default_backend, whose address the default
// policy takes.)
Backend new_selector_backend(PollerKind kind);

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_REAL_SELECTORS_H_
