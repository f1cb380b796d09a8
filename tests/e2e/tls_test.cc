// HTTPS on the master and agent, configured by Mesos's LIBPROCESS_SSL_* variables, with a
// throwaway CA, server and client certificates made here with the openssl command: who is
// served, who is refused, and a task run over TLS end to end (that one needs root).
#include "common/tls.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/http_client.h"
#include "tests/support/api_client.h"
#include "tests/support/cgroup_sweep.h"
#include "tests/support/subprocess.h"

namespace mesolite {
namespace {

using namespace std::chrono_literals;
using Environment = std::map<std::string, std::string>;
using testing::Subprocess;

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

// One CA for the cluster and one an attacker controls, each signing certificates that
// name localhost and 127.0.0.1 (what the reverse lookup of the peer gives).
class Certificates {
 public:
  Certificates() {
    char path[] = "/tmp/mesolite-tls-XXXXXX";
    dir_ = mkdtemp(path);
    const std::string script = R"(set -e
cd ")" + dir_ + R"("
ca() { openssl req -x509 -newkey rsa:2048 -nodes -keyout $1.key -out $1.crt -days 2 \
         -subj /CN=$1 2>/dev/null; }
sign() {  # name ca subject-alt-names
  openssl req -newkey rsa:2048 -nodes -keyout $1.key -out $1.csr -subj /CN=localhost 2>/dev/null
  printf 'subjectAltName=%s\n' "$3" > $1.ext
  openssl x509 -req -in $1.csr -CA $2.crt -CAkey $2.key -CAcreateserial -out $1.crt -days 2 \
    -extfile $1.ext 2>/dev/null
}
ca ca; ca rogue-ca
sign server ca DNS:localhost,IP:127.0.0.1
sign client ca DNS:localhost
sign rogue rogue-ca DNS:localhost,IP:127.0.0.1
)";
    auto made = testing::run({"/bin/sh", "-c", script});
    ok_ = made.exitCode() == 0;
    if (!ok_) ADD_FAILURE() << "openssl failed: " << made.err;
  }
  ~Certificates() { std::filesystem::remove_all(dir_); }
  bool ok() const { return ok_; }
  std::string file(const std::string& name) const { return dir_ + "/" + name; }

  // A server (or client) identity: LIBPROCESS_SSL_* naming `name`.crt and `name`.key.
  Environment identity(const std::string& name) const {
    return {{"LIBPROCESS_SSL_ENABLED", "true"},
            {"LIBPROCESS_SSL_CERT_FILE", file(name + ".crt")},
            {"LIBPROCESS_SSL_KEY_FILE", file(name + ".key")}};
  }

 private:
  std::string dir_;
  bool ok_ = false;
};

Environment merged(Environment a, const Environment& b) {
  for (const auto& [key, value] : b)
    a[key] = value;
  return a;
}

tls::Settings settings(const Environment& environment) {
  auto parsed = tls::parse(environment);
  EXPECT_TRUE(parsed) << parsed.error().message;
  return parsed ? *parsed : tls::Settings{};
}

// GET `path`: over TLS with `client` settings, or plain HTTP when they are not enabled.
Result<http::Response> get(uint16_t port, const std::string& path, const tls::Settings& client) {
  http::Request request;
  request.method = "GET";
  request.path = path;
  return http::fetch({"127.0.0.1", port, client.enabled}, request, {.timeout = 5s, .tls = client});
}

class Tls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { certificates_ = new Certificates(); }
  static void TearDownTestSuite() {
    delete certificates_;
    certificates_ = nullptr;
  }
  void SetUp() override {
    if (!certificates_->ok()) GTEST_SKIP() << "no certificates";
  }

  const Certificates& certs() const { return *certificates_; }

  // A master serving with `environment`; its port.
  uint16_t startMaster(const Environment& environment) {
    port_ = testing::freePort();
    master_ = std::make_unique<Subprocess>(
        std::vector<std::string>{env("MESOLITE_MASTER"), "--ip=127.0.0.1",
                                 "--port=" + std::to_string(port_), "--registry=in_memory"},
        environment);
    if (!master_->waitForLine("master listening on", 10s)) {
      ADD_FAILURE() << "master did not start: " << master_->err();
    }
    return port_;
  }

  // A client that trusts our CA and checks the server's certificate.
  tls::Settings verifyingClient(Environment extra = {}) const {
    return settings(merged({{"LIBPROCESS_SSL_ENABLED", "true"},
                            {"LIBPROCESS_SSL_VERIFY_SERVER_CERT", "true"},
                            {"LIBPROCESS_SSL_CA_FILE", certs().file("ca.crt")}},
                           extra));
  }

  static Certificates* certificates_;
  uint16_t port_ = 0;
  std::unique_ptr<Subprocess> master_;
};

Certificates* Tls::certificates_ = nullptr;

TEST_F(Tls, PlainHttpIsRefusedWithoutDowngradeAndTlsIsServed) {
  const uint16_t port = startMaster(certs().identity("server"));
  auto secure = get(port, "/health", verifyingClient());
  ASSERT_TRUE(secure) << secure.error().message;
  EXPECT_EQ(secure->status, 200);
  auto plain = get(port, "/health", tls::Settings{});
  EXPECT_FALSE(plain) << "a plain HTTP request was answered " << plain->status;
}

TEST_F(Tls, DowngradeServesPlainHttpAndTlsOnTheSamePort) {
  const uint16_t port = startMaster(
      merged(certs().identity("server"), {{"LIBPROCESS_SSL_SUPPORT_DOWNGRADE", "true"}}));
  auto plain = get(port, "/health", tls::Settings{});
  ASSERT_TRUE(plain) << plain.error().message;
  EXPECT_EQ(plain->status, 200);
  auto secure = get(port, "/health", verifyingClient());
  ASSERT_TRUE(secure) << secure.error().message;
  EXPECT_EQ(secure->status, 200);
}

TEST_F(Tls, RequiredClientCertificateMustComeFromTheCa) {
  const uint16_t port = startMaster(
      merged(certs().identity("server"), {{"LIBPROCESS_SSL_REQUIRE_CLIENT_CERT", "true"},
                                          {"LIBPROCESS_SSL_CA_FILE", certs().file("ca.crt")}}));
  auto anonymous = get(port, "/health", verifyingClient());
  EXPECT_FALSE(anonymous) << "a client without a certificate was answered " << anonymous->status;
  auto rogue = get(port, "/health", verifyingClient(certs().identity("rogue")));
  EXPECT_FALSE(rogue) << "a client with a certificate from another CA was answered "
                      << rogue->status;
  auto trusted = get(port, "/health", verifyingClient(certs().identity("client")));
  ASSERT_TRUE(trusted) << trusted.error().message;
  EXPECT_EQ(trusted->status, 200);
}

TEST_F(Tls, VerifyingClientRefusesAServerCertificateFromAnotherCa) {
  const uint16_t port = startMaster(certs().identity("rogue"));
  auto verified = get(port, "/health", verifyingClient());
  ASSERT_FALSE(verified) << "answered " << verified->status;
  EXPECT_NE(verified.error().message.find("certificate"), std::string::npos)
      << verified.error().message;
  // Without verification (Mesos's default) the same server is reached.
  auto unverified = get(port, "/health", settings({{"LIBPROCESS_SSL_ENABLED", "true"}}));
  ASSERT_TRUE(unverified) << unverified.error().message;
  EXPECT_EQ(unverified->status, 200);
}

TEST_F(Tls, OpensslSchemeChecksTheAddressTheClientDialled) {
  const uint16_t port = startMaster(certs().identity("server"));
  const Environment openssl = {{"LIBPROCESS_SSL_HOSTNAME_VALIDATION_SCHEME", "openssl"}};
  // By IP, the scheme needs VERIFY_IPADD (Mesos: "the connection attempt cannot succeed").
  auto byIp = get(port, "/health", verifyingClient(openssl));
  EXPECT_FALSE(byIp);
  auto withIp = get(port, "/health",
                    verifyingClient(merged(openssl, {{"LIBPROCESS_SSL_VERIFY_IPADD", "true"}})));
  ASSERT_TRUE(withIp) << withIp.error().message;
  EXPECT_EQ(withIp->status, 200);
}

// Clients that open a connection and never finish their handshake hold nothing up: the
// handshake is asynchronous, with a deadline of its own.
TEST_F(Tls, StalledHandshakesDoNotDelayOtherClients) {
  const uint16_t port = startMaster(certs().identity("server"));
  std::vector<int> stalled;
  for (int i = 0; i < 50; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    if (i % 2 == 0) ASSERT_EQ(::send(fd, "\x16\x03\x01", 3, MSG_NOSIGNAL), 3);  // half a hello
    stalled.push_back(fd);
  }
  const auto start = std::chrono::steady_clock::now();
  auto secure = get(port, "/health", verifyingClient());
  const auto took = std::chrono::steady_clock::now() - start;
  for (int fd : stalled)
    ::close(fd);
  ASSERT_TRUE(secure) << secure.error().message;
  EXPECT_EQ(secure->status, 200);
  EXPECT_LT(took, 100ms);
}

// Start-up refusals: the daemon names what is wrong and does not serve.
TEST_F(Tls, UnknownSettingOrMissingKeyStopsTheDaemons) {
  char path[] = "/tmp/mesolite-tls-agent-XXXXXX";
  const std::string work = mkdtemp(path);
  const std::vector<std::vector<std::string>> daemons = {
      {env("MESOLITE_MASTER"), "--ip=127.0.0.1", "--port=0", "--registry=in_memory"},
      {env("MESOLITE_AGENT"), "--ip=127.0.0.1", "--port=0", "--work_dir=" + work + "/work",
       "--runtime_dir=" + work + "/run", "--master=127.0.0.1:1",
       "--launcher_dir=" + env("MESOLITE_LAUNCHER_DIR")}};
  for (const auto& argv : daemons) {
    auto unknown = testing::run(argv, {{"LIBPROCESS_SSL_ENABLE_DOWNGRADE", "true"}}, 20s);
    EXPECT_NE(unknown.exitCode(), 0) << argv[0];
    EXPECT_NE(unknown.err.find("LIBPROCESS_SSL_ENABLE_DOWNGRADE"), std::string::npos)
        << argv[0] << ": " << unknown.err;

    auto environment = certs().identity("server");
    environment["LIBPROCESS_SSL_KEY_FILE"] = work + "/missing.key";
    auto missing = testing::run(argv, environment, 20s);
    EXPECT_NE(missing.exitCode(), 0) << argv[0];
    EXPECT_NE(missing.err.find(work + "/missing.key: No such file or directory"), std::string::npos)
        << argv[0] << ": " << missing.err;

    environment["LIBPROCESS_SSL_KEY_FILE"] = certs().file("rogue.key");
    auto mismatched = testing::run(argv, environment, 20s);
    EXPECT_NE(mismatched.exitCode(), 0) << argv[0];
    EXPECT_NE(mismatched.err.find("LIBPROCESS_SSL_KEY_FILE=" + certs().file("rogue.key") +
                                  ": cannot load the private key: key values mismatch"),
              std::string::npos)
        << argv[0] << ": " << mismatched.err;
  }
  std::filesystem::remove_all(work);
}

TEST(TlsSettings, MesosDefaultsAliasesAndRefusals) {
  auto defaults = tls::parse({});
  ASSERT_TRUE(defaults);
  EXPECT_FALSE(defaults->enabled);
  EXPECT_TRUE(defaults->tls12);
  EXPECT_FALSE(defaults->tls13);
  EXPECT_FALSE(defaults->opensslHostnameScheme);

  auto legacy = tls::parse({{"LIBPROCESS_SSL_ENABLED", "1"}, {"LIBPROCESS_SSL_REQUIRE_CERT", "1"}});
  ASSERT_TRUE(legacy);
  EXPECT_TRUE(legacy->requireClientCert);
  EXPECT_TRUE(legacy->verifyServerCert);  // implied, as in Mesos
  EXPECT_FALSE(legacy->notes.empty());

  for (const Environment& bad :
       std::vector<Environment>{{{"LIBPROCESS_SSL_ENABLED", "maybe"}},
                                {{"LIBPROCESS_SSL_HOSTNAME_VALIDATION_SCHEME", "strict"}},
                                {{"LIBPROCESS_SSL_ENABLE_SSL_V3", "true"}},
                                {{"LIBPROCESS_SSL_NO_SUCH_THING", "1"}},
                                {{"SSL_ENABLED", "true"}}}) {
    auto parsed = tls::parse(bad);
    ASSERT_FALSE(parsed) << bad.begin()->first;
    EXPECT_NE(parsed.error().message.find(bad.begin()->first), std::string::npos)
        << parsed.error().message;
  }
  // OpenSSL's own variables are left to it.
  EXPECT_TRUE(tls::parse({{"SSL_CERT_FILE", "/etc/ssl/certs/ca-certificates.crt"}}));
}

// The whole path over TLS with certificates checked both ways: the agent registers with
// the master, mesos-execute runs a task through it, plain HTTP reaches neither.
TEST_F(Tls, AgentRegistersAndATaskRunsOverTls) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root: the agent runs tasks in cgroups";
  const Environment cluster =
      merged(certs().identity("server"), {{"LIBPROCESS_SSL_REQUIRE_CLIENT_CERT", "true"},
                                          {"LIBPROCESS_SSL_CA_FILE", certs().file("ca.crt")}});
  const uint16_t masterPort = startMaster(cluster);

  char path[] = "/tmp/mesolite-tls-cluster-XXXXXX";
  const std::string dir = mkdtemp(path);
  const uint16_t agentPort = testing::freePort();
  const std::string cgroupsRoot = "mesolite-tls-" + std::to_string(getpid());
  auto agent = std::make_unique<Subprocess>(
      std::vector<std::string>{env("MESOLITE_AGENT"),
                               "--master=127.0.0.1:" + std::to_string(masterPort), "--ip=127.0.0.1",
                               "--port=" + std::to_string(agentPort), "--hostname=127.0.0.1",
                               "--work_dir=" + dir + "/work", "--runtime_dir=" + dir + "/run",
                               "--launcher_dir=" + env("MESOLITE_LAUNCHER_DIR"),
                               "--cgroups_root=" + cgroupsRoot, "--resources=cpus:2;mem:1024"},
      cluster);
  ASSERT_TRUE(agent->waitForLine("subscribed to the master", 15s)) << agent->err();

  auto result = testing::run(
      {env("MESOLITE_EXECUTE"), "--master=127.0.0.1:" + std::to_string(masterPort),
       "--name=tls-task", "--command=echo over tls", "--resources=cpus:0.1;mem:32"},
      merged(certs().identity("client"), {{"LIBPROCESS_SSL_VERIFY_SERVER_CERT", "true"},
                                          {"LIBPROCESS_SSL_CA_FILE", certs().file("ca.crt")}}),
      60s);
  EXPECT_EQ(result.exitCode(), 0) << result.out << result.err;
  EXPECT_NE(result.out.find("TASK_FINISHED"), std::string::npos) << result.out;

  const auto client = verifyingClient(certs().identity("client"));
  for (uint16_t port : {masterPort, agentPort}) {
    auto secure = get(port, "/health", client);
    ASSERT_TRUE(secure) << port << ": " << secure.error().message;
    EXPECT_EQ(secure->status, 200);
    EXPECT_FALSE(get(port, "/health", tls::Settings{})) << port;
  }
  auto metrics = get(masterPort, "/metrics/snapshot", client);
  ASSERT_TRUE(metrics);
  EXPECT_EQ(nlohmann::json::parse(metrics->body, nullptr, false)["master/tasks_finished"], 1)
      << metrics->body;

  agent->stop(SIGTERM, 20s);
  testing::removeCgroupTree(cgroupsRoot);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace mesolite
