// A throwaway PKI for the TLS tests, made at run time with OpenSSL's C API:
// a CA, a server certificate it signed (P-256, subjectAltName localhost and
// 127.0.0.1), and a second CA that signed nothing the server presents (for
// "untrusted"). The PEM files go to a fresh directory under the test's
// temporary directory.
//
//   TestPki pki = make_test_pki();
//   auto server_ctx = *SSLContext::create_default_context(Purpose::kClientAuth);
//   ASSERT_TRUE(server_ctx->load_cert_chain(pki.cert_file, pki.key_file).ok());
//
// Validity runs from 2000 to 9999, so nothing here reads the clock (OpenSSL's
// own verification does).

#ifndef SEEDLOOP_TESTS_NET_TEST_PKI_H_
#define SEEDLOOP_TESTS_NET_TEST_PKI_H_

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <filesystem>
#include <memory>
#include <string>

#include "gtest/gtest.h"

namespace seedloop::testing {

struct TestPki {
  std::string dir;
  std::string ca_file;        // the CA that signed the server certificate
  std::string cert_file;      // the server's certificate
  std::string key_file;       // its private key
  std::string other_ca_file;  // a CA that signed nothing here
};

namespace pki_internal {

using KeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using CertPtr = std::unique_ptr<X509, decltype(&X509_free)>;
enum class CertKind { kCa, kServer };

inline void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  ASSERT_NE(ext, nullptr) << value;
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// A certificate for `key` named `common_name`, signed by `issuer` /
// `issuer_key` (itself when null).
inline CertPtr make_cert(EVP_PKEY* key, const char* common_name, long serial, X509* issuer, EVP_PKEY* issuer_key,
                         CertKind kind) {
  CertPtr cert(X509_new(), X509_free);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  ASN1_TIME_set_string(X509_getm_notBefore(cert.get()), "20000101000000Z");
  ASN1_TIME_set_string(X509_getm_notAfter(cert.get()), "99991231235959Z");
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(common_name), -1, -1, 0);
  X509* signer = issuer != nullptr ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  add_extension(cert.get(), signer, NID_subject_key_identifier, "hash");
  if (kind == CertKind::kCa) {
    add_extension(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_extension(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
    add_extension(cert.get(), signer, NID_authority_key_identifier, "keyid");
    add_extension(cert.get(), signer, NID_ext_key_usage, "serverAuth");
    add_extension(cert.get(), signer, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
  }
  EXPECT_GT(X509_sign(cert.get(), issuer_key != nullptr ? issuer_key : key, EVP_sha256()), 0);
  return cert;
}

inline void write_cert(X509* cert, const std::string& path) {
  BIO* bio = BIO_new_file(path.c_str(), "w");
  ASSERT_NE(bio, nullptr) << path;
  EXPECT_EQ(PEM_write_bio_X509(bio, cert), 1);
  BIO_free(bio);
}

inline void write_key(EVP_PKEY* key, const std::string& path) {
  BIO* bio = BIO_new_file(path.c_str(), "w");
  ASSERT_NE(bio, nullptr) << path;
  EXPECT_EQ(PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr), 1);
  BIO_free(bio);
}

}  // namespace pki_internal

inline TestPki make_test_pki() {
  using namespace pki_internal;
  const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = std::string(test->test_suite_name()) + "." + test->name();
  for (char& c : name) {
    if (c == '/') c = '_';
  }
  TestPki pki;
  pki.dir = ::testing::TempDir() + "/pki_" + name;
  std::filesystem::create_directories(pki.dir);
  pki.ca_file = pki.dir + "/ca.pem";
  pki.cert_file = pki.dir + "/server.pem";
  pki.key_file = pki.dir + "/server.key";
  pki.other_ca_file = pki.dir + "/other_ca.pem";

  KeyPtr ca_key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  KeyPtr server_key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  KeyPtr other_key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  CertPtr ca = make_cert(ca_key.get(), "seedloop test CA", 1, nullptr, nullptr, CertKind::kCa);
  CertPtr server = make_cert(server_key.get(), "localhost", 2, ca.get(), ca_key.get(), CertKind::kServer);
  CertPtr other = make_cert(other_key.get(), "seedloop other CA", 3, nullptr, nullptr, CertKind::kCa);
  write_cert(ca.get(), pki.ca_file);
  write_cert(server.get(), pki.cert_file);
  write_key(server_key.get(), pki.key_file);
  write_cert(other.get(), pki.other_ca_file);
  return pki;
}

}  // namespace seedloop::testing

#endif  // SEEDLOOP_TESTS_NET_TEST_PKI_H_
