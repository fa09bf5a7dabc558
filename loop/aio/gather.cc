#include "loop/aio/gather.h"

#include "absl/container/flat_hash_set.h"

namespace seedloop::internal {

GatheringBase::GatheringBase(EventLoop* loop, std::vector<Ref<FutureBase>> children, bool return_exceptions)
    : FutureBase(loop), children_(std::move(children)), return_exceptions_(return_exceptions) {}

void GatheringBase::start() {
  // One callback per distinct child: a future passed twice is one child.
  // The set is only asked for membership, never iterated, so its hashing
  // cannot leak into any order.
  Ref<FutureBase> self(this);
  absl::flat_hash_set<FutureBase*> seen;
  seen.reserve(children_.size());
  for (const Ref<FutureBase>& child : children_) {
    FutureBase* c = child.get();
    if (!seen.insert(c).second) continue;
    if (c->get_loop() != get_loop()) throw ValueError("futures are tied to different event loops");
    ++nfuts_;
    // Bound to its child: the scheduled handle keeps the child alive, and
    // the callback needs no second allocation.
    c->add_bound_done_callback([self, c] { static_cast<GatheringBase*>(self.get())->on_child_done(*c); },
                               ContextBinding::current());
  }
}

bool GatheringBase::cancel(std::optional<std::string> msg) {
  // tasks._GatheringFuture.cancel
  if (done()) return false;
  bool ret = false;
  for (const auto& child : children_) {
    if (child->cancel(msg)) ret = true;
  }
  // A child actually cancelled: the gather raises CancelledError whatever
  // return_exceptions says (bpo-32684).
  if (ret) cancel_requested_ = true;
  return ret;
}

void GatheringBase::on_child_done(FutureBase& child) {
  // tasks.gather._done_callback
  ++nfinished_;
  if (done()) {
    if (!child.cancelled()) child.exception();  // mark it retrieved
    return;
  }
  if (!return_exceptions_) {
    if (child.cancelled()) {
      set_exception(child.make_cancelled_error());
      return;
    }
    if (std::exception_ptr e = child.exception()) {
      set_exception(std::move(e));
      return;
    }
  }
  if (nfinished_ < nfuts_) return;
  if (cancel_requested_) {
    // CPython builds the results first, which retrieves every child's
    // exception (fut.exception()), then raises the cancellation.
    for (const auto& c : children_) {
      if (!c->cancelled()) c->exception();
    }
    // CPython raises the cancellation of the last child in argument order
    // (its loop variable), not necessarily the one that just finished.
    set_exception(children_.back()->make_cancelled_error());
    return;
  }
  set_results();
}

}  // namespace seedloop::internal
