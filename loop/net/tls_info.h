// What a TLS transport's get_extra_info answers beyond the socket's
// (loop/net/ssl_protocol.h), as Python's ssl module shapes it:
//
//   "cipher"      CipherInfo: SSLObject.cipher(), e.g.
//                 ("TLS_AES_256_GCM_SHA384", "TLSv1.3", 256)
//   "peercert"    PeerCert: SSLObject.getpeercert() of a verified peer;
//                 std::monostate when the peer sent none (Python's None).
//                 A certificate that was not verified (CERT_NONE) gives an
//                 empty PeerCert, as Python gives {}.
//   "ssl_object"  SslObject: OpenSSL's SSL* (valid while the transport is open)
//   "sslcontext"  std::shared_ptr<SSLContext>
//
//   CipherInfo cipher = std::get<CipherInfo>(transport->get_extra_info("cipher"));
//
// Threads: plain values.

#ifndef SEEDLOOP_LOOP_NET_TLS_INFO_H_
#define SEEDLOOP_LOOP_NET_TLS_INFO_H_

#include <string>
#include <utility>
#include <vector>

struct ssl_st;  // OpenSSL's SSL

namespace seedloop {

class SSLContext;

struct CipherInfo {
  std::string name;     // "TLS_AES_256_GCM_SHA384"
  std::string version;  // "TLSv1.3"
  int secret_bits = 0;  // 256
  bool operator==(const CipherInfo&) const = default;
};

// getpeercert()'s dict, flattened: each name is a list of (attribute,
// value) pairs in certificate order, with Python's long attribute names
// ("commonName", "organizationName", ...).
struct PeerCert {
  using Pairs = std::vector<std::pair<std::string, std::string>>;
  Pairs subject;
  Pairs issuer;
  int version = 0;            // 3 for X.509v3
  std::string serial_number;  // upper-case hex, "36A2..."
  std::string not_before;     // "Dec  2 01:58:07 2026 GMT"
  std::string not_after;
  Pairs subject_alt_name;  // ("DNS", "localhost"), ("IP Address", "127.0.0.1")
  bool empty() const { return subject.empty() && issuer.empty() && version == 0; }
};

// The SSL* behind "ssl_object"; for OpenSSL calls the wrapper lacks.
struct SslObject {
  ssl_st* ssl = nullptr;
};

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_NET_TLS_INFO_H_
