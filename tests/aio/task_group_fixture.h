// Shared by the TaskGroup tests: children that sleep, fail, or fail when
// cancelled, recording what happened in trace_.

#ifndef SEEDLOOP_TESTS_AIO_TASK_GROUP_FIXTURE_H_
#define SEEDLOOP_TESTS_AIO_TASK_GROUP_FIXTURE_H_

#include <functional>
#include <string>
#include <vector>

#include "loop/aio/exception_group.h"
#include "loop/aio/sleep.h"
#include "sim/testing/loop_fixture.h"

namespace seedloop::testing {

class TaskGroupFixture : public LoopTest {
 protected:
  // Sleeps `delay_s`, recording "<name> cancelled" if cancelled meanwhile.
  Coro<std::string> slow(std::string name, double delay_s = 10) {
    try {
      co_await sleep(delay_s);
    } catch (const CancelledError&) {
      trace_.push_back(name + " cancelled");
      throw;
    }
    trace_.push_back(name + " done");
    co_return name;
  }
  // Sleeps `delay_s`, records "<name> fails", raises `error`.
  template <typename E>
  Coro<void> fail(double delay_s, E error, std::string name) {
    co_await sleep(delay_s);
    trace_.push_back(name + " fails");
    throw error;
  }
  // Raises `error` when cancelled.
  template <typename E>
  Coro<void> fail_on_cancel(E error) {
    try {
      co_await sleep(10);
    } catch (const CancelledError&) {
      throw error;
    }
  }
  void run(std::function<Coro<void>()> main) {
    main_ = std::move(main);
    loop_->run_until_complete(main_());
  }

  std::function<Coro<void>()> main_;
  std::vector<std::string> trace_;
};

// The members of a group, described ("ValueError: boom").
inline std::vector<std::string> members(const AnyExceptionGroup& g) {
  std::vector<std::string> out;
  for (const std::exception_ptr& e : g.exceptions()) out.push_back(describe_exception(e));
  return out;
}

}  // namespace seedloop::testing

#endif  // SEEDLOOP_TESTS_AIO_TASK_GROUP_FIXTURE_H_
