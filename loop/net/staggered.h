// staggered_race: CPython 3.11's asyncio.staggered.staggered_race, the
// engine of Happy Eyeballs (create_connection's happy_eyeballs_delay).
//
//   std::vector<std::function<Coro<int>()>> attempts = ...;  // one per address
//   StaggeredRaceResult<int> r = co_await staggered_race(loop, attempts, 0.25);
//   if (r.winner_index) use(*r.winner_result);
//
// Runs the attempts with staggered starts and takes the first to succeed.
// The first starts at once; each next one starts when the one before it
// has failed or `delay_s` seconds after it started, whichever comes first
// (delay nullopt: only after it failed, i.e. one after the other). When one
// succeeds every other running attempt is cancelled; the race returns once
// every started attempt has finished. An attempt fails by raising;
// cancelling the race cancels every attempt.
//
// The result: the winner's value and index (nullopt if none won), and one
// exception per started attempt, in start order (null for the winner).
// C++ addition: a value that arrives after another attempt already won
// (both finished in the same loop iteration; CPython asserts this cannot
// happen) is handed to `release` (say, close the socket) instead of leaked.
//
// Must be awaited inside a task of the running loop; its thread only.

#ifndef SEEDLOOP_LOOP_NET_STAGGERED_H_
#define SEEDLOOP_LOOP_NET_STAGGERED_H_

#include <cassert>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "loop/aio/wait.h"
#include "loop/aio/wait_for.h"
#include "loop/coro.h"
#include "loop/errors.h"
#include "loop/event_loop.h"

namespace seedloop {

template <typename T>
struct StaggeredRaceResult {
  std::optional<T> winner_result;
  std::optional<size_t> winner_index;
  std::vector<std::exception_ptr> exceptions;
};

namespace internal {

template <typename T>
struct StaggeredRace {
  EventLoop* loop = nullptr;
  std::vector<std::function<Coro<T>()>> coro_fns;
  std::optional<double> delay_s;
  std::function<void(T)> release;
  size_t next_index = 0;
  std::vector<Task<void>> running_tasks;  // running_tasks[i] starts attempt i
  StaggeredRaceResult<T> result;
};

// staggered.run_one_coro.
template <typename T>
Coro<void> run_one_attempt(std::shared_ptr<StaggeredRace<T>> race, std::optional<Future<void>> previous_failed) {
  if (previous_failed) {
    try {
      Coro<void> waiting = wait_for(*previous_failed, race->delay_s);
      co_await std::move(waiting);
    } catch (const TimeoutError&) {
      // contextlib.suppress(TimeoutError): the delay passed
    }
  }
  if (race->next_index == race->coro_fns.size()) co_return;
  const size_t this_index = race->next_index++;
  Future<void> this_failed = race->loop->create_future();
  race->running_tasks.push_back(race->loop->create_task(run_one_attempt(race, this_failed)));
  assert(race->running_tasks.size() == this_index + 2 && "one task per attempt, plus the next");
  race->result.exceptions.push_back(nullptr);
  assert(race->result.exceptions.size() == this_index + 1 && "one exception slot per started attempt");
  std::optional<T> value;
  std::exception_ptr failure;
  try {
    Coro<T> attempt = race->coro_fns[this_index]();
    T got = co_await std::move(attempt);
    value.emplace(std::move(got));
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) {
    if (is_exit_exception(failure)) std::rethrow_exception(failure);
    race->result.exceptions[this_index] = failure;
    if (!this_failed.done()) this_failed.set_result();  // kickstart the next attempt
    co_return;
  }
  if (race->result.winner_index) {
    if (race->release) race->release(std::move(*value));
    co_return;
  }
  race->result.winner_index = this_index;
  race->result.winner_result = std::move(value);
  for (size_t i = 0; i < race->running_tasks.size(); ++i) {
    if (i != this_index) race->running_tasks[i].cancel();
  }
}

}  // namespace internal

template <typename T>
Coro<StaggeredRaceResult<T>> staggered_race(EventLoop& loop, std::vector<std::function<Coro<T>()>> coro_fns,
                                            std::optional<double> delay_s,
                                            std::function<void(T)> release = nullptr) {
  auto race = std::make_shared<internal::StaggeredRace<T>>();
  race->loop = &loop;
  race->coro_fns = std::move(coro_fns);
  race->delay_s = delay_s;
  race->release = std::move(release);
  race->running_tasks.push_back(loop.create_task(internal::run_one_attempt(race, std::nullopt)));
  std::exception_ptr failure;
  try {
    size_t done_count = 0;
    while (done_count != race->running_tasks.size()) {
      std::vector<Future<void>> tasks(race->running_tasks.begin(), race->running_tasks.end());
      Coro<WaitResult<void>> waiting = wait(std::move(tasks));
      WaitResult<void> waited = co_await std::move(waiting);
      done_count = waited.done.size();
      for (const Future<void>& d : waited.done) {
        if (!d.cancelled() && d.exception()) std::rethrow_exception(d.exception());  // `if __debug__:`
      }
    }
  } catch (...) {
    failure = std::current_exception();
  }
  // The finally clause. The race lets go of the tasks, which hold it.
  std::vector<Task<void>> tasks = std::move(race->running_tasks);
  race->running_tasks.clear();
  for (Task<void>& t : tasks) t.cancel();
  if (failure) std::rethrow_exception(failure);
  co_return std::move(race->result);
}

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_NET_STAGGERED_H_
