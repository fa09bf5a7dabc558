// SSLContext without a connection: Python's defaults per side, the
// verify_mode / check_hostname rules, and load errors with the texts of
// CPython 3.11's ssl module (checked with python3).

#include <cerrno>
#include <fstream>
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "loop/backend.h"
#include "loop/net/ssl_context.h"
#include "tests/net/net_fixture.h"
#include "tests/net/test_pki.h"

namespace seedloop::testing {
namespace {

class SslContextTest : public ::testing::Test {
 protected:
  SslContextTest() : fds_before_(count_open_fds()) {}
  ~SslContextTest() override { EXPECT_EQ(count_open_fds(), fds_before_) << "a file descriptor was left open"; }
  const size_t fds_before_;
};

TEST_F(SslContextTest, ClientDefaultsVerifyThePeerAndItsName) {
  std::shared_ptr<SSLContext> ctx = *SSLContext::create(TlsSide::kClient);
  EXPECT_EQ(ctx->verify_mode(), VerifyMode::kCertRequired);
  EXPECT_TRUE(ctx->check_hostname());
  EXPECT_EQ(ctx->minimum_version(), TlsVersion::kTLSv1_2);
}

TEST_F(SslContextTest, ServerDefaultsAskForNoClientCertificate) {
  std::shared_ptr<SSLContext> ctx = *SSLContext::create_default_context(Purpose::kClientAuth);
  EXPECT_EQ(ctx->side(), TlsSide::kServer);
  EXPECT_EQ(ctx->verify_mode(), VerifyMode::kCertNone);
  EXPECT_FALSE(ctx->check_hostname());
}

TEST_F(SslContextTest, CertNoneWithCheckHostnameIsRefused) {
  std::shared_ptr<SSLContext> ctx = *SSLContext::create(TlsSide::kClient);
  absl::Status status = ctx->set_verify_mode(VerifyMode::kCertNone);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "Cannot set verify_mode to CERT_NONE when check_hostname is enabled.");
  ctx->set_check_hostname(false);
  EXPECT_TRUE(ctx->set_verify_mode(VerifyMode::kCertNone).ok());
}

TEST_F(SslContextTest, CheckHostnameUpgradesCertNoneToRequired) {
  std::shared_ptr<SSLContext> ctx = *SSLContext::create(TlsSide::kServer);
  ctx->set_check_hostname(true);
  EXPECT_EQ(ctx->verify_mode(), VerifyMode::kCertRequired);
}

TEST_F(SslContextTest, MissingCertFileIsFileNotFound) {
  std::shared_ptr<SSLContext> ctx = *SSLContext::create(TlsSide::kServer);
  absl::Status status = ctx->load_cert_chain("/nonexistent/cert.pem");
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(status.message(), "[Errno 2] No such file or directory");
  EXPECT_EQ(errno_of(status), ENOENT);
}

TEST_F(SslContextTest, GarbageCaFileIsAnSslErrorText) {
  const std::string path = ::testing::TempDir() + "/junk_ca.pem";
  std::ofstream(path) << "junk";
  std::shared_ptr<SSLContext> ctx = *SSLContext::create(TlsSide::kClient);
  absl::Status status = ctx->load_verify_locations(path);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "[X509: NO_CERTIFICATE_OR_CRL_FOUND] no certificate or crl found");
}

TEST_F(SslContextTest, CertChainLoadsFromFilesAndFromPemText) {
  TestPki pki = make_test_pki();
  std::shared_ptr<SSLContext> from_files = *SSLContext::create(TlsSide::kServer);
  EXPECT_TRUE(from_files->load_cert_chain(pki.cert_file, pki.key_file).ok());
  auto slurp = [](const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  std::shared_ptr<SSLContext> from_text = *SSLContext::create(TlsSide::kServer);
  EXPECT_TRUE(from_text->load_cert_chain_pem(slurp(pki.cert_file), slurp(pki.key_file)).ok());
  std::shared_ptr<SSLContext> client = *SSLContext::create_default_context(
      Purpose::kServerAuth, {.cadata = slurp(pki.ca_file)});
  EXPECT_EQ(client->side(), TlsSide::kClient);
}

TEST_F(SslContextTest, MismatchedKeyIsRefused) {
  TestPki pki = make_test_pki();
  std::shared_ptr<SSLContext> ctx = *SSLContext::create(TlsSide::kServer);
  // The CA's certificate with the server's key.
  absl::Status status = ctx->load_cert_chain(pki.ca_file, pki.key_file);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "[X509: KEY_VALUES_MISMATCH] key values mismatch");
}

}  // namespace
}  // namespace seedloop::testing
