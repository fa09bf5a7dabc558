// Ref<T>: an intrusive reference-counting pointer.
//
// T provides `void ref_retain()` and `void ref_release()`; the count lives in
// the object, so a Ref costs one pointer and handing out another reference
// allocates nothing. Whether the count is atomic is T's business (Handle
// states are shared with foreign threads; futures are loop-thread objects).

#ifndef SEEDLOOP_LOOP_INTERNAL_REF_H_
#define SEEDLOOP_LOOP_INTERNAL_REF_H_

#include <cstddef>
#include <utility>

namespace seedloop::internal {

template <typename T>
class Ref {
 public:
  Ref() = default;
  Ref(std::nullptr_t) {}  // NOLINT(runtime/explicit)
  // Takes a new reference to `p`.
  explicit Ref(T* p) : p_(p) {
    if (p_) p_->ref_retain();
  }
  // Takes ownership of a reference the caller already holds.
  static Ref adopt(T* p) {
    Ref r;
    r.p_ = p;
    return r;
  }
  template <typename U>
  Ref(const Ref<U>& other) : Ref(static_cast<T*>(other.get())) {}  // NOLINT
  Ref(const Ref& other) : Ref(other.p_) {}
  Ref(Ref&& other) noexcept : p_(std::exchange(other.p_, nullptr)) {}
  Ref& operator=(Ref other) noexcept {
    std::swap(p_, other.p_);
    return *this;
  }
  ~Ref() {
    if (p_) p_->ref_release();
  }

  T* get() const { return p_; }
  T* operator->() const { return p_; }
  T& operator*() const { return *p_; }
  explicit operator bool() const { return p_ != nullptr; }
  bool operator==(const Ref& other) const { return p_ == other.p_; }
  // Gives up ownership without releasing.
  T* release() { return std::exchange(p_, nullptr); }

 private:
  T* p_ = nullptr;
};

}  // namespace seedloop::internal

#endif  // SEEDLOOP_LOOP_INTERNAL_REF_H_
