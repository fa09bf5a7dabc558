#include "loop/real/selector_event_loop.h"

#include <utility>

namespace seedloop {

std::shared_ptr<EventLoop> SelectorEventLoop(std::unique_ptr<Poller> selector) {
  // asyncio's BaseSelectorEventLoop.__init__: `if selector is None: selector = selectors.DefaultSelector()`.
  if (selector == nullptr) selector = DefaultSelector();
  return EventLoop::create(new_selector_backend(std::move(selector)));
}

}  // namespace seedloop
