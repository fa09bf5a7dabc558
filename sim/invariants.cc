#include "sim/invariants.h"

#include <map>
#include <set>
#include <string_view>

#include "absl/strings/str_format.h"

namespace seedloop::sim {

namespace {

// loop/task.cc's and loop/future.cc's messages (CPython's own).
constexpr std::string_view kDestroyedPending = "Task was destroyed but it is pending!";
constexpr std::string_view kNeverRetrieved = "exception was never retrieved";

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string at(size_t index, const std::string& what) { return absl::StrFormat("event %d: %s", index, what); }

}  // namespace

std::vector<std::string> check_settles_once(const Trace& trace) {
  std::vector<std::string> broken;
  std::map<uint64_t, size_t> future_done;  // future id -> index of its future_done
  std::map<uint64_t, size_t> task_done;    // task number -> index of its task_done
  const std::vector<TraceEvent>& events = trace.events();
  for (size_t i = 0; i < events.size(); ++i) {
    const TraceEvent& e = events[i];
    if (e.kind == TraceKind::kFutureDone) {
      auto [it, fresh] = future_done.emplace(e.id, i);
      if (!fresh) {
        broken.push_back(at(i, absl::StrFormat("settles once: future %d finished again (first at event %d)", e.id,
                                               it->second)));
      }
    } else if (e.kind == TraceKind::kTaskDone) {
      auto [it, fresh] = task_done.emplace(e.id, i);
      if (!fresh) {
        broken.push_back(at(i, absl::StrFormat("settles once: task %d (%s) finished again (first at event %d)", e.id,
                                               e.text, it->second)));
      }
    } else if (e.kind == TraceKind::kTaskStep) {
      auto it = task_done.find(e.id);
      if (it != task_done.end()) {
        broken.push_back(at(i, absl::StrFormat("settles once: task %d took a step after it finished at event %d",
                                               e.id, it->second)));
      }
    }
  }
  return broken;
}

std::vector<std::string> check_callbacks_once_in_order(const Trace& trace) {
  std::vector<std::string> broken;
  std::set<uint64_t> timers;                // handle ids of timers
  std::map<uint64_t, size_t> due_rank;      // timer id -> its rank among timer_due events
  std::map<uint64_t, size_t> ran;           // handle id -> index of its callback_run
  std::optional<uint64_t> last_plain;       // the last plain (not timer) handle run
  std::optional<size_t> last_timer_rank;    // the due rank of the last timer run
  size_t dues = 0;
  const std::vector<TraceEvent>& events = trace.events();
  for (size_t i = 0; i < events.size(); ++i) {
    const TraceEvent& e = events[i];
    if (e.kind == TraceKind::kTimerScheduled) {
      timers.insert(e.id);
    } else if (e.kind == TraceKind::kTimerDue) {
      due_rank[e.id] = dues++;
    } else if (e.kind == TraceKind::kCallbackRun) {
      auto [it, fresh] = ran.emplace(e.id, i);
      if (!fresh) {
        broken.push_back(at(i, absl::StrFormat("callbacks once: handle %d (%s) ran again (first at event %d)", e.id,
                                               e.text, it->second)));
        continue;
      }
      if (timers.count(e.id) == 0) {
        if (last_plain.has_value() && e.id < *last_plain) {
          broken.push_back(at(i, absl::StrFormat("callbacks FIFO: handle %d (%s) ran after handle %d, which entered "
                                                 "the ready queue later",
                                                 e.id, e.text, *last_plain)));
        }
        last_plain = e.id;
        continue;
      }
      auto due = due_rank.find(e.id);
      if (due == due_rank.end()) {
        broken.push_back(at(i, absl::StrFormat("callbacks FIFO: timer %d ran without being due", e.id)));
        continue;
      }
      if (last_timer_rank.has_value() && due->second < *last_timer_rank) {
        broken.push_back(at(i, absl::StrFormat("callbacks FIFO: timer %d ran after a timer that was due after it",
                                               e.id)));
      }
      last_timer_rank = due->second;
    }
  }
  return broken;
}

std::vector<std::string> check_timers_not_early(const Trace& trace, int64_t clock_resolution_ns) {
  std::vector<std::string> broken;
  std::map<uint64_t, int64_t> deadline;   // timer id -> deadline (ns)
  std::map<uint64_t, size_t> cancelled;   // timer id -> index of its timer_cancelled
  const std::vector<TraceEvent>& events = trace.events();
  for (size_t i = 0; i < events.size(); ++i) {
    const TraceEvent& e = events[i];
    if (e.kind == TraceKind::kTimerScheduled) {
      deadline[e.id] = e.value;
    } else if (e.kind == TraceKind::kTimerCancelled) {
      cancelled.emplace(e.id, i);
    } else if (e.kind == TraceKind::kTimerDue || e.kind == TraceKind::kCallbackRun) {
      auto it = deadline.find(e.id);
      if (it == deadline.end()) continue;  // a plain handle
      // Due when deadline < now + resolution (base_events._run_once's end_time).
      if (it->second >= e.t_ns + clock_resolution_ns) {
        broken.push_back(at(i, absl::StrFormat("timers not early: timer %d %s at t=%d ns, before its deadline %d ns",
                                               e.id, e.kind == TraceKind::kTimerDue ? "was due" : "ran", e.t_ns,
                                               it->second)));
      }
      auto c = cancelled.find(e.id);
      if (e.kind == TraceKind::kCallbackRun && c != cancelled.end()) {
        broken.push_back(at(i, absl::StrFormat("timers not early: timer %d ran although cancelled at event %d", e.id,
                                               c->second)));
      }
    }
  }
  return broken;
}

std::vector<std::string> check_no_task_destroyed_pending(const Trace& trace) {
  std::vector<std::string> broken;
  const std::vector<TraceEvent>& events = trace.events();
  for (size_t i = 0; i < events.size(); ++i) {
    if (events[i].kind == TraceKind::kExceptionHandler && events[i].text == kDestroyedPending) {
      broken.push_back(at(i, "no task destroyed pending: the exception handler got \"" + events[i].text + "\""));
    }
  }
  return broken;
}

std::vector<std::string> check_exceptions_retrieved(const Trace& trace) {
  std::vector<std::string> broken;
  const std::vector<TraceEvent>& events = trace.events();
  for (size_t i = 0; i < events.size(); ++i) {
    if (events[i].kind == TraceKind::kExceptionHandler && ends_with(events[i].text, kNeverRetrieved)) {
      broken.push_back(at(i, "exceptions retrieved: the exception handler got \"" + events[i].text + "\""));
    }
  }
  return broken;
}

std::vector<std::string> check_trace_invariants(const Trace& trace, const InvariantOptions& options) {
  std::vector<std::string> broken = check_settles_once(trace);
  for (std::vector<std::string> more :
       {check_callbacks_once_in_order(trace), check_timers_not_early(trace, options.clock_resolution_ns),
        check_no_task_destroyed_pending(trace)}) {
    broken.insert(broken.end(), more.begin(), more.end());
  }
  if (options.unretrieved == InvariantOptions::Unretrieved::kForbidden) {
    std::vector<std::string> more = check_exceptions_retrieved(trace);
    broken.insert(broken.end(), more.begin(), more.end());
  }
  return broken;
}

std::vector<std::optional<uint64_t>> running_task_of_events(const Trace& trace) {
  std::vector<std::optional<uint64_t>> running;
  std::optional<uint64_t> current;
  for (const TraceEvent& e : trace.events()) {
    switch (e.kind) {
      case TraceKind::kCallbackRun:
      case TraceKind::kPoll:
      case TraceKind::kStop:
      case TraceKind::kClose:
        current.reset();
        break;
      case TraceKind::kTaskStep:
        current = e.id;
        break;
      default:
        break;
    }
    running.push_back(current);
  }
  return running;
}

}  // namespace seedloop::sim
