// asyncio's exception classes, as C++ exceptions.
//
// Inside coroutines and callbacks, errors are exceptions, as in asyncio; they
// travel in futures as std::exception_ptr. The hierarchy mirrors Python's:
//
//   BaseException
//   +-- SystemExit, KeyboardInterrupt   (escape the loop, as in asyncio)
//   +-- GeneratorExit                   (closes an async generator)
//   +-- CancelledError                  (a BaseException since 3.8)
//   +-- Exception
//       +-- InvalidStateError, TimeoutError, TypeError, ValueError
//       +-- RuntimeError
//       |   +-- NotImplementedError
//       +-- OSError (with errno)
//           +-- BlockingIOError, InterruptedError, PermissionError,
//           |   FileNotFoundError, FileExistsError
//           +-- ConnectionError
//           |   +-- BrokenPipeError, ConnectionAbortedError,
//           |       ConnectionRefusedError, ConnectionResetError
//           +-- gaierror (socket.gaierror: errno is the EAI_* code)
//           +-- SSLError (ssl.SSLError: errno is OpenSSL's SSL_ERROR_* kind)
//               +-- SSLCertVerificationError (Python's is also a ValueError)
//           +-- ProcessLookupError, ChildProcessError
//
// make_os_error(err, text) is Python's OSError(err, strerror) constructor:
// it picks the subclass from the errno and formats "[Errno 111] text".
// One difference: Python's TimeoutError is an OSError (ETIMEDOUT); here it
// is asyncio's, an Exception without errno, and ETIMEDOUT stays OSError.
//
// Catching `seedloop::Exception` is Python's `except Exception`: it does not
// catch CancelledError. Any other C++ exception a coroutine throws (say,
// std::runtime_error) is an ordinary error, like a Python Exception.
//
// Message texts are CPython 3.11's C-accelerated ones
// (../shared/notes/asyncio-semantics.md item 60).

#ifndef SEEDLOOP_LOOP_ERRORS_H_
#define SEEDLOOP_LOOP_ERRORS_H_

#include <exception>
#include <string>
#include <utility>

namespace seedloop {

class BaseException : public std::exception {
 public:
  BaseException() = default;
  explicit BaseException(std::string message) : message_(std::move(message)) {}
  const char* what() const noexcept override { return message_.c_str(); }
  // Python's str(exc): the message, possibly empty.
  const std::string& message() const { return message_; }
  // Python's type(exc).__name__.
  virtual const char* type_name() const { return "BaseException"; }

 private:
  std::string message_;
};

#define SEEDLOOP_EXCEPTION_CLASS(Name, Base)          \
  class Name : public Base {                          \
   public:                                            \
    using Base::Base;                                 \
    const char* type_name() const override { return #Name; } \
  }

SEEDLOOP_EXCEPTION_CLASS(Exception, BaseException);
SEEDLOOP_EXCEPTION_CLASS(SystemExit, BaseException);
SEEDLOOP_EXCEPTION_CLASS(KeyboardInterrupt, BaseException);
// Thrown into an async generator at its co_yield by aclose().
SEEDLOOP_EXCEPTION_CLASS(GeneratorExit, BaseException);
// asyncio.CancelledError. Its message is the `msg` given to cancel().
SEEDLOOP_EXCEPTION_CLASS(CancelledError, BaseException);
SEEDLOOP_EXCEPTION_CLASS(InvalidStateError, Exception);
// asyncio.TimeoutError, which is builtins.TimeoutError since 3.11.
SEEDLOOP_EXCEPTION_CLASS(TimeoutError, Exception);
SEEDLOOP_EXCEPTION_CLASS(RuntimeError, Exception);
SEEDLOOP_EXCEPTION_CLASS(TypeError, Exception);
SEEDLOOP_EXCEPTION_CLASS(ValueError, Exception);

SEEDLOOP_EXCEPTION_CLASS(NotImplementedError, RuntimeError);

// Python's OSError: an errno and its text. message() is Python's str(exc),
// e.g. "[Errno 111] Connection refused"; error_number() its errno (0 for
// none).
class OSError : public Exception {
 public:
  OSError(int err, std::string message) : Exception(std::move(message)), errno_(err) {}
  int error_number() const { return errno_; }
  const char* type_name() const override { return "OSError"; }

 private:
  int errno_;
};

SEEDLOOP_EXCEPTION_CLASS(BlockingIOError, OSError);
SEEDLOOP_EXCEPTION_CLASS(InterruptedError, OSError);
SEEDLOOP_EXCEPTION_CLASS(PermissionError, OSError);
SEEDLOOP_EXCEPTION_CLASS(FileNotFoundError, OSError);
SEEDLOOP_EXCEPTION_CLASS(FileExistsError, OSError);
SEEDLOOP_EXCEPTION_CLASS(ConnectionError, OSError);
SEEDLOOP_EXCEPTION_CLASS(BrokenPipeError, ConnectionError);
SEEDLOOP_EXCEPTION_CLASS(ConnectionAbortedError, ConnectionError);
SEEDLOOP_EXCEPTION_CLASS(ConnectionRefusedError, ConnectionError);
SEEDLOOP_EXCEPTION_CLASS(ConnectionResetError, ConnectionError);
SEEDLOOP_EXCEPTION_CLASS(gaierror, OSError);
// ssl.SSLError: message() is Python's str(exc), e.g. "[SSL: WRONG_VERSION_NUMBER]
// wrong version number" (without CPython's "(_ssl.c:NNN)" suffix).
SEEDLOOP_EXCEPTION_CLASS(SSLError, OSError);
// ssl.SSLCertVerificationError (alias ssl.CertificateError): "[SSL:
// CERTIFICATE_VERIFY_FAILED] certificate verify failed: <verify_message>",
// errno 1; verify_code() is OpenSSL's X509_V_ERR_* (62: hostname mismatch).
class SSLCertVerificationError : public SSLError {
 public:
  SSLCertVerificationError(int verify_code, std::string verify_message)
      : SSLError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: " + verify_message),
        verify_code_(verify_code),
        verify_message_(std::move(verify_message)) {}
  const char* type_name() const override { return "SSLCertVerificationError"; }
  int verify_code() const { return verify_code_; }
  const std::string& verify_message() const { return verify_message_; }

 private:
  int verify_code_;
  std::string verify_message_;
};
// ESRCH and ECHILD (a signal to a process that is gone, waiting for a
// child that is not one).
SEEDLOOP_EXCEPTION_CLASS(ProcessLookupError, OSError);
SEEDLOOP_EXCEPTION_CLASS(ChildProcessError, OSError);

#undef SEEDLOOP_EXCEPTION_CLASS

// Python's OSError(err, strerror_text): the subclass the errno selects
// (EPIPE/ESHUTDOWN: BrokenPipeError, ECONNREFUSED: ConnectionRefusedError,
// EAGAIN/EINPROGRESS/EALREADY: BlockingIOError, ...; others OSError), with
// message "[Errno <err>] <strerror_text>".
std::exception_ptr make_os_error(int err, const std::string& strerror_text);

// Python's isinstance(e, Exception): true for seedloop::Exception and for
// any foreign C++ exception, false for the BaseException-only classes
// (CancelledError, SystemExit, KeyboardInterrupt, GeneratorExit) and null.
bool is_exception_class(const std::exception_ptr& e);
// True when `e` holds a CancelledError.
bool is_cancelled_error(const std::exception_ptr& e);
// True when `e` holds SystemExit or KeyboardInterrupt: the two exceptions
// that leave run_forever() at once instead of being reported.
bool is_exit_exception(const std::exception_ptr& e);
// "TypeName: message" for a stored exception, for reports and tests;
// "TypeName" when the message is empty. Unknown types print as "exception".
std::string describe_exception(const std::exception_ptr& e);

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_ERRORS_H_
