// Test support: a loop on virtual time, and an exception-handler recorder.
//
// Tests of the loop core run on sim's virtual backend so that time is exact
// (sleep(3600) costs nothing) and every run is the same.

#ifndef SEEDLOOP_SIM_TESTING_LOOP_FIXTURE_H_
#define SEEDLOOP_SIM_TESTING_LOOP_FIXTURE_H_

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "loop/event_loop.h"
#include "loop/policy.h"
#include "sim/virtual_backend.h"

namespace seedloop::testing {

// What an exception handler saw, flattened for assertions.
struct Report {
  std::string message;
  std::string exception;  // describe_exception(), or "" when none
  bool has_future = false;
  bool has_task = false;
  bool has_handle = false;
};

class LoopTest : public ::testing::Test {
 protected:
  LoopTest() : loop_(EventLoop::create(sim::new_virtual_backend({}, &clock_))) {
    loop_->set_exception_handler([this](EventLoop&, const ExceptionContext& c) {
      reports_.push_back(Report{c.message, c.exception ? describe_exception(c.exception) : "",
                                c.future != nullptr, c.task != nullptr, static_cast<bool>(c.handle)});
    });
  }
  ~LoopTest() override {
    if (!loop_->is_closed()) loop_->close();
  }

  // Runs one iteration: stop() before run_forever() (asyncio-semantics
  // item 16).
  void run_one_iteration() {
    loop_->stop();
    loop_->run_forever();
  }
  // Runs until virtual time reaches `when_s`, via a timer that stops the loop.
  void run_until(double when_s) {
    loop_->call_at(when_s, [this] { loop_->stop(); });
    loop_->run_forever();
  }

  sim::VirtualClock* clock_ = nullptr;  // declared first: loop_'s initializer sets it
  std::shared_ptr<EventLoop> loop_;
  std::vector<Report> reports_;
};

}  // namespace seedloop::testing

#endif  // SEEDLOOP_SIM_TESTING_LOOP_FIXTURE_H_
