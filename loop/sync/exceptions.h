// The exceptions of asyncio's synchronization primitives.
//
//   QueueEmpty          asyncio.QueueEmpty: get_nowait() on an empty queue
//   QueueFull           asyncio.QueueFull: put_nowait() on a full queue
//   BrokenBarrierError  asyncio.BrokenBarrierError: a Barrier was aborted or
//                       reset under its waiters
//
// As in CPython 3.11, QueueEmpty and QueueFull derive from Exception and
// carry no message; BrokenBarrierError derives from RuntimeError. type_name()
// gives Python's class name. The loop's own exceptions are in loop/errors.h.
//
// Threads: plain values; any thread.

#ifndef SEEDLOOP_LOOP_SYNC_EXCEPTIONS_H_
#define SEEDLOOP_LOOP_SYNC_EXCEPTIONS_H_

#include "loop/errors.h"

namespace seedloop {

class QueueEmpty : public Exception {
 public:
  using Exception::Exception;
  const char* type_name() const override { return "QueueEmpty"; }
};

class QueueFull : public Exception {
 public:
  using Exception::Exception;
  const char* type_name() const override { return "QueueFull"; }
};

class BrokenBarrierError : public RuntimeError {
 public:
  using RuntimeError::RuntimeError;
  const char* type_name() const override { return "BrokenBarrierError"; }
};

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_SYNC_EXCEPTIONS_H_
