// SelectorEventLoop: asyncio.SelectorEventLoop(selector), a loop on the
// production backend around the given poller (loop/real/selectors.h).
//
//   // seed 004: selector = selectors.SelectSelector()
//   //           loop = asyncio.SelectorEventLoop(selector)
//   //           asyncio.set_event_loop(loop)
//   std::shared_ptr<EventLoop> loop = SelectorEventLoop(SelectSelector());
//   set_event_loop(loop);
//
// Without an argument the selector is DefaultSelector() (epoll), which is
// what new_event_loop() gives under the default policy.
//
// Threads: as EventLoop: the loop belongs to the thread that runs it.

#ifndef SEEDLOOP_LOOP_REAL_SELECTOR_EVENT_LOOP_H_
#define SEEDLOOP_LOOP_REAL_SELECTOR_EVENT_LOOP_H_

#include <memory>

#include "loop/event_loop.h"
#include "loop/real/selectors.h"

namespace seedloop {

std::shared_ptr<EventLoop> SelectorEventLoop(std::unique_ptr<Poller> selector = nullptr);

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_REAL_SELECTOR_EVENT_LOOP_H_
