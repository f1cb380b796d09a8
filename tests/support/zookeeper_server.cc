#include "tests/support/zookeeper_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "tests/support/api_client.h"

namespace mesolite::testing {
namespace {

constexpr const char* kJava = "/usr/bin/java";
constexpr const char* kSetpriv = "/usr/bin/setpriv";
constexpr const char* kJar = "/usr/share/java/zookeeper.jar";
constexpr auto kStartTimeout = std::chrono::seconds(30);

// Sends a four-letter word and returns the answer ("" when nothing listens).
std::string fourLetterWord(uint16_t port, const std::string& word) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return "";
  timeval timeout{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string answer;
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      write(fd, word.data(), word.size()) == ssize_t(word.size())) {
    char buffer[4096];
    for (ssize_t n; (n = read(fd, buffer, sizeof buffer)) > 0;)
      answer.append(buffer, size_t(n));
  }
  close(fd);
  return answer;
}

}  // namespace

std::optional<std::string> ZooKeeperServer::unavailable() {
  if (access(kJava, X_OK) != 0)
    return std::string(kJava) + " is missing (package default-jre-headless)";
  if (access(kSetpriv, X_OK) != 0)
    return std::string(kSetpriv) + " is missing (package util-linux)";
  if (access(kJar, R_OK) != 0) return std::string(kJar) + " is missing (package zookeeper)";
  return std::nullopt;
}

ZooKeeperServer::ZooKeeperServer(size_t servers) {
  char templ[] = "/tmp/mesolite-zookeeper-XXXXXX";
  if (!mkdtemp(templ)) throw std::runtime_error("mkdtemp /tmp/mesolite-zookeeper-XXXXXX failed");
  root_ = templ;
  members_.resize(servers);
  for (size_t i = 0; i < servers; ++i) {
    Member& member = members_[i];
    member.clientPort = freePort();
    member.peerPort = freePort();
    member.electionPort = freePort();
    member.dir = root_ + "/server" + std::to_string(i + 1);
    std::filesystem::create_directories(member.dir + "/data");
  }
  for (size_t i = 0; i < servers; ++i)
    writeConfig(i);
}

ZooKeeperServer::~ZooKeeperServer() {
  stop();
  std::error_code ignored;
  std::filesystem::remove_all(root_, ignored);
}

void ZooKeeperServer::writeConfig(size_t index) {
  const Member& member = members_[index];
  std::ofstream config(member.dir + "/zoo.cfg");
  config << "tickTime=500\n"
         << "initLimit=10\nsyncLimit=5\n"
         << "dataDir=" << member.dir << "/data\n"
         << "clientPort=" << member.clientPort << "\n"
         << "clientPortAddress=127.0.0.1\n"
         << "admin.enableServer=false\n"
         << "4lw.commands.whitelist=*\n"
         // Sessions of 1 s to 10 s (2 and 20 ticks): the tests use short ones.
         << "minSessionTimeout=1000\nmaxSessionTimeout=10000\n"
         // Every client connects from 127.0.0.1: the default limit of 60 connections per
         // address would refuse a benchmark's 50 agents finding the leader at once.
         << "maxClientCnxns=0\n";
  if (members_.size() > 1) {
    for (size_t i = 0; i < members_.size(); ++i) {
      config << "server." << i + 1 << "=127.0.0.1:" << members_[i].peerPort << ":"
             << members_[i].electionPort << "\n";
    }
    std::ofstream(member.dir + "/data/myid") << index + 1 << "\n";
  }
}

bool ZooKeeperServer::serving(uint16_t port) const {
  return fourLetterWord(port, "srvr").find("Mode:") != std::string::npos;
}

std::optional<std::string> ZooKeeperServer::startServer(size_t index) {
  Member& member = members_[index];
  if (member.process) return std::nullopt;
  // setpriv --pdeathsig: the server dies with the test, even one killed by a timeout.
  member.process = std::make_unique<Subprocess>(std::vector<std::string>{
      kSetpriv, "--pdeathsig", "KILL", "--", kJava, "-Xmx256m", "-XX:+UseSerialGC",
      "-Dzookeeper.log.dir=" + member.dir, "-cp", kJar,
      "org.apache.zookeeper.server.quorum.QuorumPeerMain", member.dir + "/zoo.cfg"});
  return std::nullopt;
}

std::optional<std::string> ZooKeeperServer::start() {
  for (size_t i = 0; i < members_.size(); ++i) {
    if (auto error = startServer(i)) return error;
  }
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  for (size_t i = 0; i < members_.size(); ++i) {
    while (!serving(members_[i].clientPort)) {
      if (members_[i].process->wait(std::chrono::milliseconds(0))) {
        return "ZooKeeper server " + std::to_string(i + 1) +
               " exited: " + members_[i].process->err() + members_[i].process->out();
      }
      if (std::chrono::steady_clock::now() > deadline) {
        return "ZooKeeper server " + std::to_string(i + 1) + " not serving on port " +
               std::to_string(members_[i].clientPort) +
               " after 30 s: " + members_[i].process->err() + members_[i].process->out();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  return std::nullopt;
}

void ZooKeeperServer::stopServer(size_t index) {
  Member& member = members_[index];
  if (!member.process) return;
  if (!member.process->stop(SIGTERM, std::chrono::seconds(5))) {
    member.process->stop(SIGKILL, std::chrono::seconds(5));
  }
  member.process.reset();
}

void ZooKeeperServer::stop() {
  for (size_t i = 0; i < members_.size(); ++i)
    stopServer(i);
}

std::string ZooKeeperServer::hosts() const {
  std::string out;
  for (const auto& member : members_) {
    if (!out.empty()) out += ",";
    out += "127.0.0.1:" + std::to_string(member.clientPort);
  }
  return out;
}

std::string ZooKeeperServer::url(const std::string& path, const std::string& credentials) const {
  return "zk://" + (credentials.empty() ? "" : credentials + "@") + hosts() + path;
}

}  // namespace mesolite::testing
