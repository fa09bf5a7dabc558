// OpenSSL's error queue and objects in Python's ssl module's words, for
// loop/net's TLS (ssl_context.cc, ssl_protocol*.cc).
//
//   std::string text = internal::pop_openssl_error_text();   // "[SSL: WRONG_VERSION_NUMBER] wrong version number"
//
// Threads: OpenSSL's error queue is per thread; call on the thread that
// made the failing call.

#ifndef SEEDLOOP_LOOP_NET_INTERNAL_OPENSSL_TEXT_H_
#define SEEDLOOP_LOOP_NET_INTERNAL_OPENSSL_TEXT_H_

#include <exception>
#include <string>

#include "loop/net/tls_info.h"

namespace seedloop::internal {

// The last error on this thread's OpenSSL queue as Python formats an
// SSLError: "[LIB: REASON] reason text" ("[LIB] reason text" when OpenSSL
// has no reason string); the mnemonic REASON is the reason text upper-cased
// with '_' for spaces (OpenSSL keeps no mnemonics at run time). Clears the
// queue. `fallback` when the queue is empty.
std::string pop_openssl_error_text(const std::string& fallback);

// The errno the first queued error carries when OpenSSL failed in a system
// call (fopen of a missing file: ENOENT), else 0. Does not clear the queue.
int peek_openssl_system_errno();

// The exception a failed SSL_do_handshake / SSL_read / SSL_write / SSL_shutdown
// stands for (`code` is SSL_get_error's answer, not WANT_READ/WANT_WRITE):
// SSLCertVerificationError when certificate verification failed, else
// SSLError (errno `code`), as CPython's _ssl.c PySSL_SetError. Clears the
// queue.
std::exception_ptr ssl_exception(ssl_st* ssl, int code);

// SSLObject.cipher() and getpeercert() of an established connection.
CipherInfo cipher_info(ssl_st* ssl);
// nullopt-like: `*has_cert` false when the peer sent no certificate.
PeerCert peer_cert(ssl_st* ssl, bool* has_cert);

}  // namespace seedloop::internal

#endif  // SEEDLOOP_LOOP_NET_INTERNAL_OPENSSL_TEXT_H_
