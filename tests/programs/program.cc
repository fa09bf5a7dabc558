#include "tests/programs/program.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace seedloop::programs {

namespace {

using json = nlohmann::json;

std::string task_name(size_t i) { return absl::StrCat("t", i); }
std::string worker_name(size_t i) { return absl::StrCat("w", i); }
std::string resource_name(size_t i) { return absl::StrCat("r", i); }
std::string queue_name(size_t i) { return absl::StrCat("q", i); }
std::string event_name(size_t i) { return absl::StrCat("e", i); }
double delay(uint8_t a) { return (a % 5) * 0.5; }

json log(const std::string& msg) { return {{"op", "log"}, {"msg", msg}}; }

// Renders one Program; see program.h for the rules each step keeps.
class Renderer {
 public:
  explicit Renderer(const Program& p)
      : p_(p), tasks_(p.tasks.size()), workers_(p.workers.size()), gets_(p.queues, 0) {}

  Rendered run(const std::string& name);

 private:
  enum class Who { kMain, kTask, kWorker };
  struct Ctx {
    Who who = Who::kMain;
    size_t self = 0;   // kTask: its index
    int held = -1;     // the highest resource held (with), -1 for none
    std::string tg;    // the innermost task group of this body, if any
  };

  // Main and cI run once per run: only they may make names and wait for
  // tasks; nothing waits for another task or coroutine while holding a lock.
  static bool runs_once(const Ctx& c) { return c.who != Who::kWorker; }
  static bool may_wait_for_others(const Ctx& c) { return runs_once(c) && c.held < 0; }

  json body(const std::vector<Step>& steps, const Ctx& c);
  void step(const Step& s, const Ctx& c, json* out);
  void block(const Step& s, const Ctx& c, json* out);
  std::vector<std::string> task_targets(const Ctx& c) const;
  std::string instantiate(size_t worker);

  const Program& p_;
  const size_t tasks_;
  const size_t workers_;
  std::vector<int> gets_;                     // get steps that can run, per queue
  std::vector<std::vector<int>> worker_gets_;  // per worker, per queue
  std::vector<bool> worker_may_raise_;
  std::vector<int>* gets_sink_ = &gets_;
  bool raises_ = false;  // the body being rendered has a raise or a timeout
  bool unretrieved_ok_ = false;
  int markers_ = 0;
  int groups_ = 0;
  int handles_ = 0;
};

std::vector<std::string> Renderer::task_targets(const Ctx& c) const {
  std::vector<std::string> out;
  for (size_t j = c.who == Who::kTask ? c.self + 1 : 0; j < tasks_; ++j) out.push_back(task_name(j));
  return out;
}

std::string Renderer::instantiate(size_t worker) {
  for (size_t q = 0; q < gets_.size(); ++q) (*gets_sink_)[q] += worker_gets_[worker][q];
  return worker_name(worker);
}

json Renderer::body(const std::vector<Step>& steps, const Ctx& c) {
  json out = json::array();
  for (const Step& s : steps) step(s, c, &out);
  return out;
}

void Renderer::step(const Step& s, const Ctx& c, json* out) {
  const std::vector<std::string> targets = task_targets(c);
  switch (s.op) {
    case Op::kSleep:
      out->push_back({{"op", "sleep"}, {"delay", delay(s.a)}});
      return;
    case Op::kLog:
      out->push_back(log(absl::StrCat("s", s.a)));
      return;
    case Op::kCancel:
      if (tasks_ > 0) out->push_back({{"op", "cancel"}, {"object", task_name(s.a % tasks_)}});
      return;
    case Op::kCallSoon:
      out->push_back({{"op", "call_soon"}, {"callback", "note"}, {"args", json::array({s.a})}});
      return;
    case Op::kRaise:
      raises_ = true;
      out->push_back({{"op", "raise"},
                      {"exception", {{"type", s.a % 2 == 0 ? "ValueError" : "RuntimeError"},
                                     {"message", absl::StrCat("r", s.b)}}}});
      return;
    case Op::kGet:
      if (p_.queues == 0) return;
      ++(*gets_sink_)[s.a % p_.queues];
      out->push_back({{"op", "get"}, {"object", queue_name(s.a % p_.queues)}});
      return;
    case Op::kWaitEvent:
      if (p_.events > 0) out->push_back({{"op", "wait"}, {"object", event_name(s.a % p_.events)}});
      return;
    case Op::kTimer: {
      if (!runs_once(c)) return;
      const std::string h = absl::StrCat("h", handles_++);
      out->push_back({{"op", "call_later"},
                      {"delay", delay(s.a)},
                      {"callback", "note"},
                      {"args", json::array({h})},
                      {"name", h}});
      out->push_back({{"op", "sleep"}, {"delay", delay(s.b)}});
      out->push_back({{"op", "cancel_handle"}, {"object", h}});
      return;
    }
    case Op::kAwaitTask:
      if (may_wait_for_others(c) && !targets.empty()) {
        out->push_back({{"op", "await"}, {"object", targets[s.a % targets.size()]}});
      }
      return;
    case Op::kAwaitWorker:
      if (may_wait_for_others(c) && workers_ > 0) out->push_back({{"op", "await"}, {"coro", instantiate(s.a % workers_)}});
      return;
    case Op::kWaitFor: {
      if (!may_wait_for_others(c) || (targets.empty() && workers_ == 0)) return;
      json awaitable;
      if (workers_ == 0 || (s.b % 2 == 0 && !targets.empty())) {
        awaitable = targets[s.b / 2 % targets.size()];
      } else {
        awaitable = {{"coro", instantiate(s.b / 2 % workers_)}};
      }
      const json timeout = s.a % 5 == 4 ? json(nullptr) : json(delay(s.a));
      out->push_back({{"op", "wait_for"}, {"awaitable", awaitable}, {"timeout", timeout}});
      return;
    }
    case Op::kGather: {
      const size_t choices = targets.size() + workers_;
      if (!may_wait_for_others(c) || choices == 0) return;
      json awaitables = json::array();
      for (size_t i = 0; i <= s.a % 3u; ++i) {
        const size_t k = (s.b + i) % choices;
        if (k < targets.size()) {
          awaitables.push_back(targets[k]);
        } else {
          awaitables.push_back({{"coro", instantiate(k - targets.size())}});
        }
      }
      out->push_back({{"op", "gather"}, {"awaitables", awaitables}, {"return_exceptions", s.b % 2 == 1}});
      return;
    }
    case Op::kCreateTask:
      if (!runs_once(c) || workers_ == 0) return;
      if (worker_may_raise_[s.a % workers_]) unretrieved_ok_ = true;
      out->push_back({{"op", "create_task"}, {"coro", instantiate(s.a % workers_)}});
      return;
    case Op::kSpawn:
      if (c.tg.empty() || workers_ == 0) return;
      out->push_back({{"op", "tg_create_task"}, {"object", c.tg}, {"coro", instantiate(s.a % workers_)}});
      return;
    case Op::kWith:
    case Op::kTimeout:
    case Op::kTry:
    case Op::kTaskGroup:
      block(s, c, out);
      return;
  }
}

void Renderer::block(const Step& s, const Ctx& c, json* out) {
  auto inline_body = [&] {
    json steps = body(s.body, c);
    for (json& j : steps) out->push_back(std::move(j));
  };
  switch (s.op) {
    case Op::kWith: {
      const int first = c.held + 1;  // locks are taken in increasing order only
      const int count = static_cast<int>(p_.resources.size()) - first;
      if (count <= 0) return inline_body();
      Ctx inner = c;
      inner.held = first + s.a % count;
      out->push_back({{"op", "with"}, {"object", resource_name(inner.held)}, {"steps", body(s.body, inner)}});
      // Release, then cancel a task in the same step: if it is the waiter
      // the release just woke, the wake-up must pass on (bpo-27585).
      if (s.b % 3 == 0 && tasks_ > 0) out->push_back({{"op", "cancel"}, {"object", task_name(s.b / 3 % tasks_)}});
      return;
    }
    case Op::kTimeout:
      raises_ = true;
      // An absolute deadline ties with the feeding callbacks (call_at) even
      // in chaos mode, where callback costs shift relative ones: a getter
      // woken by a put and cancelled by its timeout in the same iteration
      // is the window of bpo-23812.
      if (s.b % 2 == 1) {
        out->push_back({{"op", "timeout_at"}, {"when", delay(s.a)}, {"steps", body(s.body, c)}});
      } else {
        out->push_back({{"op", "timeout"}, {"delay", delay(s.a)}, {"steps", body(s.body, c)}});
      }
      return;
    case Op::kTry: {
      const int k = markers_++;
      json steps = json::array({log(absl::StrCat("enter#", k))});
      for (json& j : body(s.body, c)) steps.push_back(std::move(j));
      json t = {{"op", "try"}, {"steps", steps}, {"finally", json::array({log(absl::StrCat("exit#", k))})}};
      switch (s.a % 4) {
        case 0:
          t["catch"] = json::array({{{"type", "Exception"}, {"steps", json::array({log("caught Exception")})}}});
          break;
        case 1:
          t["catch"] = json::array({{{"type", "CancelledError"},
                                     {"steps", json::array({log("caught CancelledError"), {{"op", "reraise"}}})}}});
          break;
        case 2:
          t["catch"] = json::array({{{"type", "TimeoutError"}, {"steps", json::array({log("caught TimeoutError")})}}});
          break;
        default:
          break;
      }
      out->push_back(std::move(t));
      return;
    }
    case Op::kTaskGroup: {
      if (!may_wait_for_others(c)) return inline_body();
      Ctx inner = c;
      inner.tg = absl::StrCat("g", groups_++);
      out->push_back({{"op", "task_group"}, {"name", inner.tg}, {"steps", body(s.body, inner)}});
      return;
    }
    default:
      return;
  }
}

Rendered Renderer::run(const std::string& name) {
  json coroutines = json::object();
  // Workers first: what one instance gets and whether it may raise.
  for (size_t w = 0; w < workers_; ++w) {
    std::vector<int> gets(p_.queues, 0);
    gets_sink_ = &gets;
    raises_ = false;
    Ctx c;
    c.who = Who::kWorker;
    json steps = body(p_.workers[w], c);
    if (steps.empty()) steps.push_back(log("idle"));
    coroutines[worker_name(w)] = std::move(steps);
    worker_gets_.push_back(std::move(gets));
    worker_may_raise_.push_back(raises_);
  }
  gets_sink_ = &gets_;
  for (size_t i = 0; i < tasks_; ++i) {
    Ctx c;
    c.who = Who::kTask;
    c.self = i;
    json steps = body(p_.tasks[i], c);
    if (steps.empty()) steps.push_back(log("idle"));
    coroutines[absl::StrCat("c", i)] = std::move(steps);
  }
  const json own = body(p_.main, Ctx());

  json main = json::array();
  for (size_t i = 0; i < tasks_; ++i) {
    main.push_back({{"op", "create_task"}, {"coro", absl::StrCat("c", i)}, {"name", task_name(i)}});
  }
  json callbacks = {{"note", json::array({log("{args}")})}};
  json objects = json::object();
  json final_state = json::object();
  size_t fed = 0;
  auto feed_delay = [&] { return p_.feed.empty() ? 0.0 : delay(p_.feed[fed++ % p_.feed.size()]); };
  for (size_t q = 0; q < p_.queues; ++q) {
    objects[queue_name(q)] = {{"type", "Queue"}};
    const std::string cb = absl::StrCat("put_", queue_name(q));
    callbacks[cb] = json::array({{{"op", "put_nowait"}, {"object", queue_name(q)}, {"value", "item"}}});
    for (int m = 0; m < gets_[q]; ++m) main.push_back({{"op", "call_at"}, {"when", feed_delay()}, {"callback", cb}});
  }
  for (size_t e = 0; e < p_.events; ++e) {
    objects[event_name(e)] = {{"type", "Event"}};
    const std::string cb = absl::StrCat("set_", event_name(e));
    callbacks[cb] = json::array({{{"op", "set"}, {"object", event_name(e)}}});
    main.push_back({{"op", "call_at"}, {"when", feed_delay()}, {"callback", cb}});
  }
  for (size_t r = 0; r < p_.resources.size(); ++r) {
    const int kind = p_.resources[r] % 3;
    if (kind == 0) {
      objects[resource_name(r)] = {{"type", "Lock"}};
      final_state[resource_name(r)] = false;  // every `with` released it
    } else {
      objects[resource_name(r)] = {{"type", "Semaphore"}, {"value", kind}};
      final_state[resource_name(r)] = kind;
    }
  }
  if (!own.empty()) {
    main.push_back({{"op", "try"},
                    {"steps", own},
                    {"catch", json::array({{{"type", "BaseException"}, {"steps", json::array({log("caught")})}}})}});
  }
  if (tasks_ > 0) {
    json all = json::array();
    for (size_t i = 0; i < tasks_; ++i) all.push_back(task_name(i));
    main.push_back({{"op", "gather"}, {"awaitables", all}, {"return_exceptions", true}});
  }
  if (main.empty()) main.push_back(log("idle"));
  coroutines["main"] = std::move(main);

  Rendered r;
  r.unretrieved_ok = unretrieved_ok_;
  json tags = json::array({"generated"});
  if (unretrieved_ok_) tags.push_back(kUnretrievedTag);
  json expect = {{"outcome", "return null"}};
  if (!final_state.empty()) expect["invariants"] = {{"final_state", final_state}};
  r.doc = {{"schema", "seedloop.scenario"},
           {"version", 1},
           {"name", name},
           {"description", "A random program (tests/programs): tasks, workers, locks, queues, events, timeouts, "
                           "cancellation, task groups."},
           {"tags", tags},
           {"coroutines", coroutines},
           {"callbacks", callbacks},
           {"objects", objects},
           {"main", "main"},
           {"budgets", {{"max_steps", 100000}, {"max_virtual_seconds", 3600}}},
           {"expect", expect}};
  return r;
}

size_t count_body(const std::vector<Step>& steps) {
  size_t n = 0;
  for (const Step& s : steps) n += 1 + count_body(s.body);
  return n;
}

}  // namespace

Rendered render(const Program& program, const std::string& name) { return Renderer(program).run(name); }

size_t count_steps(const Program& program) {
  size_t n = count_body(program.main);
  for (const std::vector<Step>& t : program.tasks) n += count_body(t);
  for (const std::vector<Step>& w : program.workers) n += count_body(w);
  return n;
}

}  // namespace seedloop::programs
