#include "tests/programs/program_checks.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "sim/invariants.h"
#include "tests/programs/program.h"

namespace seedloop::programs {

namespace {

using sim::TraceEvent;
using sim::TraceKind;

// "ACTOR OP[ SUBJECT] -> VALUE" / "ACTOR OP[ SUBJECT] !> EXC" -> OP; a log
// ("ACTOR: MSG") -> "".
std::string op_of(const std::string& text) {
  const size_t space = text.find(' ');
  if (space == std::string::npos || space == 0 || text[space - 1] == ':') return "";
  const size_t end = text.find(' ', space + 1);
  return text.substr(space + 1, end == std::string::npos ? std::string::npos : end - space - 1);
}

// The message of a log event, or nullopt.
std::optional<std::string> log_message(const std::string& text) {
  const size_t colon = text.find(": ");
  if (colon == std::string::npos || text.find(' ') != colon + 1) return std::nullopt;
  return text.substr(colon + 2);
}

bool absorbs_cancel(const std::string& op) {
  return op == "await" || op == "wait_for" || op == "gather" || op == "task_group";
}

std::string at(size_t index, const std::string& what) { return absl::StrFormat("event %d: %s", index, what); }

void append(std::vector<std::string>* to, const std::vector<std::string>& more) {
  to->insert(to->end(), more.begin(), more.end());
}

}  // namespace

std::vector<std::string> check_cancel_delivery(const sim::Trace& trace) {
  std::vector<std::string> broken;
  const std::vector<TraceEvent>& events = trace.events();
  const std::vector<std::optional<uint64_t>> running = sim::running_task_of_events(trace);
  for (size_t i = 0; i < events.size(); ++i) {
    const TraceEvent& cancel = events[i];
    if (cancel.kind != TraceKind::kTaskCancelRequest || cancel.value != 1) continue;
    if (running[i] == cancel.id) continue;  // cancelled itself: it is running, not suspended
    for (size_t j = i + 1; j < events.size(); ++j) {
      const TraceEvent& e = events[j];
      if (e.kind == TraceKind::kTaskDone && e.id == cancel.id) break;  // never resumed into its body
      if (e.kind != TraceKind::kScenario || running[j] != cancel.id) continue;
      const std::string op = op_of(e.text);
      if (!absorbs_cancel(op) && e.text.find("!> CancelledError") == std::string::npos) {
        broken.push_back(at(j, absl::StrFormat("cancel delivery: task %d (%s), cancelled at event %d while "
                                               "suspended, resumed into \"%s\", not CancelledError",
                                               cancel.id, cancel.text, i, e.text)));
      }
      break;
    }
  }
  return broken;
}

std::vector<std::string> check_cleanup_markers(const sim::Trace& trace) {
  std::vector<std::string> broken;
  const std::vector<TraceEvent>& events = trace.events();
  const std::vector<std::optional<uint64_t>> running = sim::running_task_of_events(trace);
  // (task, marker) -> entered minus exited, and where it was last entered.
  std::map<std::pair<uint64_t, std::string>, std::pair<int, size_t>> open;
  for (size_t i = 0; i < events.size(); ++i) {
    if (events[i].kind != TraceKind::kScenario || !running[i].has_value()) continue;
    const std::optional<std::string> msg = log_message(events[i].text);
    if (!msg.has_value()) continue;
    const bool enter = msg->rfind("enter#", 0) == 0;
    const bool exit = msg->rfind("exit#", 0) == 0;
    if (!enter && !exit) continue;
    auto& [balance, where] = open[{*running[i], msg->substr(msg->find('#') + 1)}];
    if (enter) {
      ++balance;
      where = i;
    } else if (--balance < 0) {
      broken.push_back(at(i, absl::StrFormat("cleanup: \"%s\" in task %d without its enter", events[i].text,
                                             *running[i])));
      balance = 0;
    }
  }
  for (const auto& [key, value] : open) {
    if (value.first > 0) {
      broken.push_back(at(value.second, absl::StrFormat("cleanup: task %d entered try #%s and never ran its finally",
                                                        key.first, key.second)));
    }
  }
  return broken;
}

std::vector<std::string> check_cancelled_handles(const sim::Trace& trace) {
  std::vector<std::string> broken;
  std::map<std::string, size_t> cancelled;  // handle name -> the cancel_handle event
  const std::vector<TraceEvent>& events = trace.events();
  for (size_t i = 0; i < events.size(); ++i) {
    if (events[i].kind != TraceKind::kScenario) continue;
    const std::string& text = events[i].text;
    if (op_of(text) == "cancel_handle") {
      const size_t subject = text.find("cancel_handle ") + 14;
      cancelled.emplace(text.substr(subject, text.find(' ', subject) - subject), i);
      continue;
    }
    const std::optional<std::string> msg = log_message(text);
    if (!msg.has_value() || text.rfind("note: [\"", 0) != 0) continue;
    const std::string handle = msg->substr(2, msg->size() - 4);  // ["hK"] -> hK
    auto it = cancelled.find(handle);
    if (it != cancelled.end()) {
      broken.push_back(at(i, absl::StrFormat("cancelled handles: %s ran after cancel_handle at event %d", handle,
                                             it->second)));
    }
  }
  return broken;
}

std::vector<std::string> check_run(const scenarios::Scenario& scenario, const scenarios::RunResult& r) {
  std::vector<std::string> broken;
  if (!r.input_error.ok()) {
    broken.push_back(absl::StrCat("generator: the program is bad input: ", r.input_error.message()));
    return broken;
  }
  append(&broken, scenarios::check_invariants(scenario, r));
  if (r.outcome != "return null") broken.push_back(absl::StrCat("run: main did not return null: ", r.outcome));
  sim::InvariantOptions options;
  if (std::find(scenario.tags.begin(), scenario.tags.end(), kUnretrievedTag) != scenario.tags.end()) {
    options.unretrieved = sim::InvariantOptions::Unretrieved::kAllowed;
  }
  append(&broken, sim::check_settles_once(r.sim.trace));
  append(&broken, sim::check_callbacks_once_in_order(r.sim.trace));
  append(&broken, sim::check_timers_not_early(r.sim.trace, options.clock_resolution_ns));
  if (options.unretrieved == sim::InvariantOptions::Unretrieved::kForbidden) {
    append(&broken, sim::check_exceptions_retrieved(r.sim.trace));
  }
  append(&broken, check_cancel_delivery(r.sim.trace));
  append(&broken, check_cancelled_handles(r.sim.trace));
  // A run the harness stopped (already reported above) leaves tasks pending
  // inside their try blocks, and destroys them pending.
  if (r.sim.status.ok()) {
    append(&broken, sim::check_no_task_destroyed_pending(r.sim.trace));
    append(&broken, check_cleanup_markers(r.sim.trace));
  }
  return broken;
}

}  // namespace seedloop::programs
