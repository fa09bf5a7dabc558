// Support for the seed-example tests: the C++ ports of the Python examples in
// ../shared/seeds/*.txt.
//
// Each example writes what Python would print into a `Lines` (one string per
// print() call) instead of stdout, and its test compares that with the lines
// CPython 3.11 printed for the original program. Examples run on virtual time
// (sim/virtual_backend.h), so `await asyncio.sleep(2)` costs no real time and
// loop.time() is exact.
//
// Threads: everything here is for the test's own thread, except where an
// example hands `Lines` to another thread and joins it before reading.

#ifndef SEEDLOOP_TESTS_EXAMPLES_EXAMPLE_SUPPORT_H_
#define SEEDLOOP_TESTS_EXAMPLES_EXAMPLE_SUPPORT_H_

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "loop/event_loop.h"
#include "loop/policy.h"
#include "sim/virtual_backend.h"

namespace seedloop::examples {

// What an example printed, one entry per Python print() call.
using Lines = std::vector<std::string>;

// A new loop on virtual time (asyncio.new_event_loop() for the examples).
inline std::shared_ptr<EventLoop> new_virtual_loop(sim::VirtualBackendOptions options = {}) {
  return EventLoop::create(sim::new_virtual_backend(options));
}

// Python's repr() of a float, for the values these examples print: the
// shortest "%g" text that reads back as the same double, with ".0" added to
// integral values ("0.0", "5.0", "1.5").
inline std::string py_float_repr(double v) {
  std::string s;
  for (int precision = 1; precision <= 17; ++precision) {
    s = absl::StrFormat("%.*g", precision, v);
    if (std::strtod(s.c_str(), nullptr) == v) break;
  }
  if (s.find_first_of(".eni") == std::string::npos) s += ".0";
  return s;
}

// Python's repr() of a list of str: ['a', 'b'] (no quoting inside: the
// examples' strings hold no quotes or backslashes).
inline std::string py_list_repr(const std::vector<std::string>& items) {
  std::string s = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) s += ", ";
    s += "'" + items[i] + "'";
  }
  return s + "]";
}

// Python's repr() of a list of int: [10, 20, 30].
inline std::string py_list_repr(const std::vector<int>& items) {
  std::string s = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) s += ", ";
    s += std::to_string(items[i]);
  }
  return s + "]";
}

// Python's repr() of bytes: b'...', printable ASCII as is, the rest escaped.
inline std::string py_bytes_repr(const std::string& bytes) {
  const bool dquote = bytes.find('\'') != std::string::npos && bytes.find('"') == std::string::npos;
  const char quote = dquote ? '"' : '\'';
  std::string s = std::string("b") + quote;
  for (unsigned char c : bytes) {
    if (c == '\\' || c == quote) {
      s += '\\';
      s += static_cast<char>(c);
    } else if (c == '\t') {
      s += "\\t";
    } else if (c == '\n') {
      s += "\\n";
    } else if (c == '\r') {
      s += "\\r";
    } else if (c < 0x20 || c >= 0x7f) {
      s += absl::StrFormat("\\x%02x", c);
    } else {
      s += static_cast<char>(c);
    }
  }
  return s + quote;
}

// Python's str() of a bool.
inline const char* py_bool(bool b) { return b ? "True" : "False"; }

// Stands in for the module-level `loop = asyncio.get_event_loop()` of the
// examples: installs a default policy whose loops run on virtual time, and
// gives this thread a current loop, as get_event_loop() does on its first
// call in the main thread. Closes that loop and restores the default policy
// when it goes out of scope.
class VirtualPolicyScope {
 public:
  VirtualPolicyScope() : policy_([] { return sim::new_virtual_backend(); }) {
    set_event_loop_policy(&policy_);
    set_event_loop(policy_.new_event_loop());
  }
  ~VirtualPolicyScope() {
    std::shared_ptr<EventLoop> loop = policy_.get_event_loop();
    if (!loop->is_closed()) loop->close();
    set_event_loop(nullptr);
    set_event_loop_policy(nullptr);
  }
  VirtualPolicyScope(const VirtualPolicyScope&) = delete;
  VirtualPolicyScope& operator=(const VirtualPolicyScope&) = delete;

 private:
  DefaultEventLoopPolicy policy_;
};

// Stands in for the loop `asyncio.run(main())` makes: seedloop::run() takes
// its loop from the policy's new_event_loop(), so this installs a default
// policy whose loops run on virtual time (with `options`). It sets no current
// loop: run() sets its own and unsets it when done. (Do not use
// VirtualPolicyScope around run(): its destructor reads the current loop,
// which run() has unset, and that raises.) `last_loop()` is the loop the
// policy made last (run()'s loop), kept for checking its clock after run()
// returned. Restores the default policy when it goes out of scope.
class VirtualRunScope {
 public:
  explicit VirtualRunScope(sim::VirtualBackendOptions options = {}) : policy_(options) {
    set_event_loop_policy(&policy_);
  }
  ~VirtualRunScope() { set_event_loop_policy(nullptr); }
  VirtualRunScope(const VirtualRunScope&) = delete;
  VirtualRunScope& operator=(const VirtualRunScope&) = delete;

  const std::shared_ptr<EventLoop>& last_loop() const { return policy_.last; }

 private:
  class Policy : public DefaultEventLoopPolicy {
   public:
    explicit Policy(sim::VirtualBackendOptions options)
        : DefaultEventLoopPolicy([options] { return sim::new_virtual_backend(options); }) {}
    std::shared_ptr<EventLoop> new_event_loop() override {
      last = DefaultEventLoopPolicy::new_event_loop();
      return last;
    }
    std::shared_ptr<EventLoop> last;
  };
  Policy policy_;
};

// Records the messages the loop's exception handler receives (what asyncio
// would log to stderr), for assertions.
inline void record_reports(EventLoop& loop, Lines* reports) {
  loop.set_exception_handler(
      [reports](EventLoop&, const ExceptionContext& context) { reports->push_back(context.message); });
}

}  // namespace seedloop::examples

#endif  // SEEDLOOP_TESTS_EXAMPLES_EXAMPLE_SUPPORT_H_
