#include "loop/net/internal/openssl_text.h"

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "loop/errors.h"

namespace seedloop::internal {

namespace {

// Python's short library names (_ssl_data.h's library_codes).
std::string library_name(int lib) {
  switch (lib) {
    case ERR_LIB_SSL: return "SSL";
    case ERR_LIB_X509: return "X509";
    case ERR_LIB_X509V3: return "X509V3";
    case ERR_LIB_PEM: return "PEM";
    case ERR_LIB_EVP: return "EVP";
    case ERR_LIB_ASN1: return "ASN1";
    case ERR_LIB_BIO: return "BIO";
    case ERR_LIB_RSA: return "RSA";
    case ERR_LIB_EC: return "EC";
    case ERR_LIB_SYS: return "SYS";
    default: return "";
  }
}

std::string bio_contents(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

std::string asn1_time_text(const ASN1_TIME* time) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  ASN1_TIME_print(bio.get(), time);  // "Dec  2 01:58:07 2026 GMT", as Python's
  return bio_contents(bio.get());
}

// Python's _create_tuple_for_X509_NAME, flattened to (long name, value).
PeerCert::Pairs name_pairs(const X509_NAME* name) {
  PeerCert::Pairs pairs;
  for (int i = 0; i < X509_NAME_entry_count(name); ++i) {
    const X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, i);
    const int nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(entry));
    const char* long_name = nid == NID_undef ? "UNDEF" : OBJ_nid2ln(nid);
    unsigned char* utf8 = nullptr;
    const int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(entry));
    pairs.emplace_back(long_name, n >= 0 ? std::string(reinterpret_cast<char*>(utf8), static_cast<size_t>(n)) : "");
    OPENSSL_free(utf8);
  }
  return pairs;
}

PeerCert::Pairs alt_names(X509* cert) {
  PeerCert::Pairs pairs;
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return pairs;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type == GEN_DNS) {
      const ASN1_IA5STRING* dns = name->d.dNSName;
      pairs.emplace_back("DNS", std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                                            static_cast<size_t>(ASN1_STRING_length(dns))));
    } else if (name->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* ip = name->d.iPAddress;
      const int len = ASN1_STRING_length(ip);
      const unsigned char* raw = ASN1_STRING_get0_data(ip);
      std::string text;  // _ssl.c's _get_peer_alt_names: dotted, or 8 upper-case hex groups
      if (len == 4) {
        text = absl::StrFormat("%d.%d.%d.%d", raw[0], raw[1], raw[2], raw[3]);
      } else if (len == 16) {
        for (int g = 0; g < 8; ++g) absl::StrAppendFormat(&text, "%s%X", g ? ":" : "", raw[2 * g] << 8 | raw[2 * g + 1]);
      } else {
        text = "<invalid>";
      }
      pairs.emplace_back("IP Address", text);
    }
  }
  GENERAL_NAMES_free(names);
  return pairs;
}

}  // namespace

std::string pop_openssl_error_text(const std::string& fallback) {
  const unsigned long err = ERR_peek_last_error();
  ERR_clear_error();
  if (err == 0) return fallback;
  const std::string lib = library_name(ERR_GET_LIB(err));
  const char* reason = ERR_reason_error_string(err);
  if (reason == nullptr) return "[" + lib + "] " + fallback;
  std::string mnemonic = absl::AsciiStrToUpper(reason);
  std::replace(mnemonic.begin(), mnemonic.end(), ' ', '_');
  return "[" + (lib.empty() ? mnemonic : lib + ": " + mnemonic) + "] " + reason;
}

int peek_openssl_system_errno() {
  const unsigned long err = ERR_peek_error();  // the first: the failed system call itself
  return ERR_SYSTEM_ERROR(err) ? static_cast<int>(ERR_GET_REASON(err)) : 0;
}

std::exception_ptr ssl_exception(ssl_st* ssl, int code) {
  const unsigned long err = ERR_peek_last_error();
  if (ERR_GET_LIB(err) == ERR_LIB_SSL && ERR_GET_REASON(err) == SSL_R_CERTIFICATE_VERIFY_FAILED) {
    ERR_clear_error();
    const long verify = SSL_get_verify_result(ssl);
    std::string message = X509_verify_cert_error_string(verify);
    if (verify == X509_V_ERR_HOSTNAME_MISMATCH || verify == X509_V_ERR_IP_ADDRESS_MISMATCH) {
      // _ssl.c's fill_and_set_sslerror names the host it checked.
      X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
      const char* host = X509_VERIFY_PARAM_get0_host(param, 0);
      char* ip = X509_VERIFY_PARAM_get1_ip_asc(param);
      const std::string checked = host != nullptr ? host : (ip != nullptr ? ip : "");
      OPENSSL_free(ip);
      message = verify == X509_V_ERR_HOSTNAME_MISMATCH
                    ? "Hostname mismatch, certificate is not valid for '" + checked + "'."
                    : "IP address mismatch, certificate is not valid for '" + checked + "'.";
    }
    return std::make_exception_ptr(SSLCertVerificationError(static_cast<int>(verify), message));
  }
  if (code == SSL_ERROR_SYSCALL && err == 0) {
    // OpenSSL 3 reports a truncated stream as SSL_R_UNEXPECTED_EOF_WHILE_READING;
    // a bare SYSCALL with an empty queue is Python's SSLEOFError text.
    return std::make_exception_ptr(SSLError(8, "EOF occurred in violation of protocol"));
  }
  return std::make_exception_ptr(SSLError(code, pop_openssl_error_text("unknown error")));
}

CipherInfo cipher_info(ssl_st* ssl) {
  CipherInfo info;
  const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl);
  if (cipher == nullptr) return info;
  info.name = SSL_CIPHER_get_name(cipher);
  info.version = SSL_CIPHER_get_version(cipher);
  info.secret_bits = SSL_CIPHER_get_bits(cipher, nullptr);
  return info;
}

PeerCert peer_cert(ssl_st* ssl, bool* has_cert) {
  PeerCert cert;
  X509* x509 = SSL_get1_peer_certificate(ssl);
  *has_cert = x509 != nullptr;
  if (x509 == nullptr) return cert;
  // _ssl.c: a certificate that was not verified decodes to {}.
  if (SSL_get_verify_mode(ssl) != SSL_VERIFY_NONE) {
    cert.subject = name_pairs(X509_get_subject_name(x509));
    cert.issuer = name_pairs(X509_get_issuer_name(x509));
    cert.version = static_cast<int>(X509_get_version(x509)) + 1;
    BIGNUM* serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x509), nullptr);
    char* hex = BN_bn2hex(serial);
    cert.serial_number = hex;
    OPENSSL_free(hex);
    BN_free(serial);
    cert.not_before = asn1_time_text(X509_get0_notBefore(x509));
    cert.not_after = asn1_time_text(X509_get0_notAfter(x509));
    cert.subject_alt_name = alt_names(x509);
  }
  X509_free(x509);
  return cert;
}

}  // namespace seedloop::internal
