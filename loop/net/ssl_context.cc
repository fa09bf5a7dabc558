#include "loop/net/ssl_context.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <utility>

#include "loop/backend.h"
#include "loop/net/internal/openssl_text.h"

namespace seedloop {

namespace {

// A failed load: FileNotFoundError-like when OpenSSL's fopen failed, else
// Python's SSLError text.
absl::Status load_error(const std::string& fallback) {
  if (const int err = internal::peek_openssl_system_errno(); err != 0) {
    ERR_clear_error();
    const std::string text = "[Errno " + std::to_string(err) + "] " + std::strerror(err);
    return with_errno(err == ENOENT ? absl::NotFoundError(text) : absl::InvalidArgumentError(text), err);
  }
  return absl::InvalidArgumentError(internal::pop_openssl_error_text(fallback));
}

int openssl_version(TlsVersion version) {
  switch (version) {
    case TlsVersion::kMinimumSupported:
    case TlsVersion::kMaximumSupported: return 0;  // OpenSSL: no bound
    default: return static_cast<int>(version);
  }
}

using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;

BioPtr memory_bio(const std::string& text) {
  return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())), BIO_free);
}

}  // namespace

absl::StatusOr<std::shared_ptr<SSLContext>> SSLContext::create(TlsSide side) {
  SSL_CTX* ctx = SSL_CTX_new(side == TlsSide::kClient ? TLS_client_method() : TLS_server_method());
  if (ctx == nullptr) return absl::InternalError(internal::pop_openssl_error_text("SSL_CTX_new failed"));
  std::shared_ptr<SSLContext> context(new SSLContext(side, ctx));
  absl::Status version = context->set_minimum_version(TlsVersion::kTLSv1_2);
  if (!version.ok()) return version;
  return context;
}

absl::StatusOr<std::shared_ptr<SSLContext>> SSLContext::create_default_context(Purpose purpose, TrustOptions trust) {
  absl::StatusOr<std::shared_ptr<SSLContext>> context =
      create(purpose == Purpose::kServerAuth ? TlsSide::kClient : TlsSide::kServer);
  if (!context.ok()) return context;
  // ssl.create_default_context: the given CAs, else the default store.
  absl::Status loaded = trust.cafile.empty() && trust.cadata.empty()
                            ? (*context)->load_default_certs()
                            : (*context)->load_verify_locations(trust.cafile, trust.cadata);
  if (!loaded.ok()) return loaded;
  return context;
}

SSLContext::SSLContext(TlsSide side, ssl_ctx_st* ctx)
    : side_(side),
      ctx_(ctx),
      check_hostname_(side == TlsSide::kClient),
      verify_mode_(side == TlsSide::kClient ? VerifyMode::kCertRequired : VerifyMode::kCertNone) {
  // Memory BIOs hand records over in pieces; a partial SSL_write is fine
  // and the buffer may move between retries (as Python's _ssl.c sets).
  SSL_CTX_set_mode(ctx_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  // Python's defaults: no compression, no renegotiation quirks, one-use DH/ECDH keys.
  SSL_CTX_set_options(ctx_, SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_SINGLE_DH_USE |
                                SSL_OP_SINGLE_ECDH_USE | SSL_OP_NO_RENEGOTIATION);
  apply_verify_mode();
}

SSLContext::~SSLContext() { SSL_CTX_free(ctx_); }

absl::Status SSLContext::load_cert_chain(const std::string& certfile, const std::string& keyfile) {
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(ctx_, certfile.c_str()) != 1) return load_error("PEM lib");
  const std::string& key = keyfile.empty() ? certfile : keyfile;
  if (SSL_CTX_use_PrivateKey_file(ctx_, key.c_str(), SSL_FILETYPE_PEM) != 1) return load_error("PEM lib");
  if (SSL_CTX_check_private_key(ctx_) != 1) return load_error("key values mismatch");
  return absl::OkStatus();
}

absl::Status SSLContext::load_cert_chain_pem(const std::string& cert_pem, const std::string& key_pem) {
  ERR_clear_error();
  BioPtr certs = memory_bio(cert_pem);
  X509* leaf = PEM_read_bio_X509_AUX(certs.get(), nullptr, nullptr, nullptr);
  if (leaf == nullptr) return load_error("PEM lib");
  const int used = SSL_CTX_use_certificate(ctx_, leaf);
  X509_free(leaf);
  if (used != 1) return load_error("PEM lib");
  SSL_CTX_clear_chain_certs(ctx_);
  while (X509* extra = PEM_read_bio_X509(certs.get(), nullptr, nullptr, nullptr)) {
    if (SSL_CTX_add0_chain_cert(ctx_, extra) != 1) {
      X509_free(extra);
      return load_error("PEM lib");
    }
  }
  ERR_clear_error();  // the loop above ends on "no start line"
  BioPtr key_bio = memory_bio(key_pem);
  EVP_PKEY* key = PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr);
  if (key == nullptr) return load_error("PEM lib");
  const int key_used = SSL_CTX_use_PrivateKey(ctx_, key);
  EVP_PKEY_free(key);
  if (key_used != 1) return load_error("PEM lib");
  if (SSL_CTX_check_private_key(ctx_) != 1) return load_error("key values mismatch");
  return absl::OkStatus();
}

absl::Status SSLContext::load_verify_locations(const std::string& cafile, const std::string& cadata) {
  ERR_clear_error();
  if (cafile.empty() && cadata.empty()) return absl::InvalidArgumentError("cafile, capath and cadata cannot be all omitted");
  if (!cafile.empty() && SSL_CTX_load_verify_locations(ctx_, cafile.c_str(), nullptr) != 1) {
    return load_error("unknown error");
  }
  if (!cadata.empty()) {
    BioPtr bio = memory_bio(cadata);
    X509_STORE* store = SSL_CTX_get_cert_store(ctx_);
    int added = 0;
    while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
      const int ok = X509_STORE_add_cert(store, cert);
      X509_free(cert);
      if (ok != 1) return load_error("unknown error");
      ++added;
    }
    if (added == 0) return load_error("no start line");
    ERR_clear_error();
  }
  return absl::OkStatus();
}

absl::Status SSLContext::load_default_certs() {
  ERR_clear_error();
  if (SSL_CTX_set_default_verify_paths(ctx_) != 1) return load_error("unknown error");
  return absl::OkStatus();
}

void SSLContext::set_check_hostname(bool check) {
  // _ssl.c set_check_hostname: enabling it upgrades CERT_NONE.
  if (check && verify_mode_ == VerifyMode::kCertNone) {
    verify_mode_ = VerifyMode::kCertRequired;
    apply_verify_mode();
  }
  check_hostname_ = check;
}

absl::Status SSLContext::set_verify_mode(VerifyMode mode) {
  if (mode == VerifyMode::kCertNone && check_hostname_) {
    return absl::InvalidArgumentError("Cannot set verify_mode to CERT_NONE when check_hostname is enabled.");
  }
  verify_mode_ = mode;
  apply_verify_mode();
  return absl::OkStatus();
}

void SSLContext::apply_verify_mode() {
  int flags = SSL_VERIFY_NONE;
  if (verify_mode_ == VerifyMode::kCertOptional) flags = SSL_VERIFY_PEER;
  if (verify_mode_ == VerifyMode::kCertRequired) flags = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  SSL_CTX_set_verify(ctx_, flags, nullptr);
}

absl::Status SSLContext::set_minimum_version(TlsVersion version) {
  if (SSL_CTX_set_min_proto_version(ctx_, openssl_version(version)) != 1) {
    return absl::InvalidArgumentError("Unsupported TLS/SSL version " + std::to_string(static_cast<int>(version)));
  }
  minimum_version_ = version;
  return absl::OkStatus();
}

absl::Status SSLContext::set_maximum_version(TlsVersion version) {
  if (SSL_CTX_set_max_proto_version(ctx_, openssl_version(version)) != 1) {
    return absl::InvalidArgumentError("Unsupported TLS/SSL version " + std::to_string(static_cast<int>(version)));
  }
  maximum_version_ = version;
  return absl::OkStatus();
}

}  // namespace seedloop
