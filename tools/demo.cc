// seedloop's demo: one asyncio-style program, run twice — on the real
// backend (epoll, the steady clock, a thread pool) and on virtual time —
// printing the same events in the same order. The scenarios issue turns
// this into an exploration of the scenario corpus.
//
//   bazel run //tools:demo

#include <cstdio>
#include <string>
#include <vector>

#include "loop/aio/sleep.h"
#include "loop/event_loop.h"
#include "loop/policy.h"
#include "sim/virtual_backend.h"

namespace seedloop {
namespace {

Coro<std::string> worker(std::string name, double delay_s, std::vector<std::string>* log) {
  co_await sleep(delay_s);
  log->push_back(name + " woke at t+" + std::to_string(static_cast<int>(delay_s * 1000)) + "ms");
  co_return "Task " + name + " done";
}

Coro<void> program(std::vector<std::string>* log) {
  auto loop = get_running_loop();
  loop->call_soon([log] { log->push_back("call_soon callback"); });
  loop->call_later(0.015, [log] { log->push_back("call_later(0.015) callback"); });
  Task<std::string> a = loop->create_task(worker("A", 0.02, log));
  Task<std::string> b = loop->create_task(worker("B", 0.01, log), "named-B");
  Task<std::string> c = loop->create_task(worker("C", 0.03, log));
  log->push_back(co_await a);
  log->push_back(co_await b + " (" + b.get_name() + ")");
  log->push_back(co_await c);
  int sum = co_await loop->run_in_executor(nullptr, [] {
    int s = 0;
    for (int i = 1; i <= 100; ++i) s += i;
    return s;
  });
  log->push_back("run_in_executor: " + std::to_string(sum));
  Task<void> sleeper = loop->create_task(sleep(10));
  loop->call_later(0.005, [sleeper] { sleeper.cancel("demo cancel"); });
  try {
    co_await sleeper;
  } catch (const CancelledError& e) {
    log->push_back(std::string("cancelled: ") + e.what());
  }
}

std::vector<std::string> run_on(std::shared_ptr<EventLoop> loop) {
  std::vector<std::string> log;
  loop->run_until_complete(program(&log));
  loop->run_until_complete(loop->shutdown_default_executor());
  loop->close();
  return log;
}

}  // namespace
}  // namespace seedloop

int main() {
  using namespace seedloop;
  std::vector<std::string> real = run_on(new_event_loop());
  std::vector<std::string> virt = run_on(EventLoop::create(sim::new_virtual_backend()));
  std::printf("%-40s | %s\n", "real backend (epoll, steady clock)", "virtual time");
  std::printf("%s\n", std::string(84, '-').c_str());
  for (size_t i = 0; i < real.size() || i < virt.size(); ++i) {
    std::printf("%-40s | %s\n", i < real.size() ? real[i].c_str() : "", i < virt.size() ? virt[i].c_str() : "");
  }
  bool same = real == virt;
  std::printf("\n%s\n", same ? "Both runs printed the same events in the same order."
                             : "The runs differ (timing on the real backend is not deterministic).");
  return 0;
}
