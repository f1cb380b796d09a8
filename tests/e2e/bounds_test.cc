// Clients that try to make the master hold memory without end: hundreds of connections
// sending large bodies slowly, operator subscribers that never read their events, more
// connections than allowed. What a user sees (503s, dropped subscribers, a /health that
// stays fast) and the master's RSS, measured and printed.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/api_codec.h"
#include "common/http_client.h"
#include "mesos/v1/master/master.pb.h"
#include "mesos/v1/scheduler/scheduler.pb.h"
#include "tests/support/api_client.h"
#include "tests/support/subprocess.h"

namespace mesolite {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::Subprocess;

uint64_t rssKiB(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtoull(line.c_str() + 6, nullptr, 10);
  }
  return 0;
}

// While alive: the daemon's peak RSS, and the latency of GET /health every 20 ms.
class Watch {
 public:
  Watch(pid_t pid, uint16_t port) : pid_(pid), port_(port) {
    rss_ = std::thread([this] {
      while (!stop_) {
        peakKiB_ = std::max<uint64_t>(peakKiB_, rssKiB(pid_));
        std::this_thread::sleep_for(20ms);
      }
    });
    health_ = std::thread([this] {
      while (!stop_) {
        const auto start = Clock::now();
        auto response = http::fetch({"127.0.0.1", port_}, {.method = "GET", .path = "/health"},
                                    {.timeout = 5s});
        const auto took = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
        if (!response || response->status != 200) ++failures_;
        latencies_.push_back(took);
        std::this_thread::sleep_for(20ms);
      }
    });
  }
  ~Watch() { stop(); }
  void stop() {
    stop_ = true;
    if (rss_.joinable()) rss_.join();
    if (health_.joinable()) health_.join();
  }
  double peakMiB() const { return double(peakKiB_) / 1024; }
  double p99() {
    if (latencies_.empty()) return 0;
    std::sort(latencies_.begin(), latencies_.end());
    return latencies_[std::min(latencies_.size() - 1, latencies_.size() * 99 / 100)];
  }
  size_t samples() const { return latencies_.size(); }
  int failures() const { return failures_; }

 private:
  pid_t pid_;
  uint16_t port_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> peakKiB_{0};
  std::vector<double> latencies_;
  int failures_ = 0;
  std::thread rss_;
  std::thread health_;
};

int connectTo(uint16_t port, int receiveBuffer = 0) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (receiveBuffer > 0) {
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receiveBuffer, sizeof(receiveBuffer));
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool sendAll(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += size_t(n);
  }
  return true;
}

// What has arrived on a non-blocking socket: appended to `into`; false once it closed.
bool readAvailable(int fd, std::string* into) {
  char buffer[4096];
  while (true) {
    ssize_t n = ::recv(fd, buffer, sizeof(buffer), MSG_DONTWAIT);
    if (n > 0) {
      into->append(buffer, size_t(n));
      continue;
    }
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
}

class Bounds : public ::testing::Test {
 protected:
  void startMaster(std::vector<std::string> extra = {}) {
    port_ = testing::freePort();
    std::vector<std::string> argv = {std::getenv("MESOLITE_MASTER"), "--ip=127.0.0.1",
                                     "--port=" + std::to_string(port_), "--registry=in_memory"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    master_ = std::make_unique<Subprocess>(argv);
    if (!master_->waitForLine("master listening on", 10s)) {
      ADD_FAILURE() << "master did not start: " << master_->err();
    }
  }

  uint16_t port_ = 0;
  std::unique_ptr<Subprocess> master_;
};

// 500 clients each announce a 16 MiB body (the largest one request may have) and send it
// 64 KiB every 100 ms. The default body budget (128 MiB) admits eight; the others are
// told 503 at once. Unbounded, the master holds every byte sent (818 MiB after the 8 s).
TEST_F(Bounds, FiveHundredSlowLargeBodiesLeaveTheMasterSmallAndResponsive) {
  startMaster();
  const uint64_t idleKiB = rssKiB(master_->pid());
  Watch watch(master_->pid(), port_);
  constexpr int kClients = 500;
  constexpr size_t kBody = 16 << 20;
  const std::string header =
      "POST /api/v1 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Content-Type: application/json\r\nContent-Length: " +
      std::to_string(kBody) + "\r\n\r\n";
  const std::string chunk(64 << 10, ' ');
  struct Client {
    int fd = -1;
    size_t sent = 0;
    std::string answer;
    bool open = true;
  };
  std::vector<Client> clients(kClients);
  for (auto& client : clients) {
    client.fd = connectTo(port_);
    ASSERT_GE(client.fd, 0);
    ASSERT_TRUE(sendAll(client.fd, header));
  }
  const auto end = Clock::now() + 8s;
  while (Clock::now() < end) {
    const auto tick = Clock::now();
    for (auto& client : clients) {
      if (!client.open) continue;
      client.open = readAvailable(client.fd, &client.answer);
      if (!client.answer.empty() || !client.open) continue;  // answered: stop sending
      ssize_t n = ::send(client.fd, chunk.data(), std::min(chunk.size(), kBody - client.sent),
                         MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) client.sent += size_t(n);
    }
    std::this_thread::sleep_until(tick + 100ms);
  }
  watch.stop();
  int refused = 0, admitted = 0;
  uint64_t sent = 0;
  for (auto& client : clients) {
    readAvailable(client.fd, &client.answer);
    if (client.answer.rfind("HTTP/1.1 503", 0) == 0) {
      ++refused;
      EXPECT_NE(client.answer.find("budget of 134217728 bytes"), std::string::npos)
          << client.answer;
    } else if (client.answer.empty()) {
      ++admitted;
    }
    sent += client.sent;
    ::close(client.fd);
  }
  std::printf(
      "[bounds] 500 slow 16 MiB bodies: %d refused (503), %d admitted, %.0f MiB sent; master "
      "RSS %.1f MiB idle, peak %.1f MiB; /health p99 %.1f ms over %zu requests (%d failed)\n",
      refused, admitted, double(sent) / (1 << 20), double(idleKiB) / 1024, watch.peakMiB(),
      watch.p99(), watch.samples(), watch.failures());
  EXPECT_LE(admitted, 8);
  EXPECT_GE(refused, kClients - 8);
  EXPECT_LT(watch.peakMiB(), 200.0) << "the body budget is 128 MiB";
  EXPECT_LT(watch.p99(), 100.0);
  EXPECT_EQ(watch.failures(), 0);
}

// 50 operator subscribers that never read (and keep their receive window tiny), one
// that reads, while 3000 UPDATE_FRAMEWORK calls each publish a FRAMEWORK_UPDATED of about
// 2.5 KiB. Each non-reader may hold 2 MiB (--http_max_stream_backlog) before it is
// dropped; unbounded, each holds every event (217 MiB in all after the 3000).
TEST_F(Bounds, OperatorSubscribersThatNeverReadAreDropped) {
  startMaster();
  const uint64_t idleKiB = rssKiB(master_->pid());
  const std::string body = R"({"type":"SUBSCRIBE"})";
  const std::string subscribe =
      "POST /api/v1 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Content-Type: application/json\r\nAccept: application/json\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  std::vector<int> stalled;
  for (int i = 0; i < 50; ++i) {
    int fd = connectTo(port_, 4096);
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(sendAll(fd, subscribe));
    stalled.push_back(fd);
  }
  mesos::v1::master::Call call;
  call.set_type(mesos::v1::master::Call::SUBSCRIBE);
  testing::EventStream reader({"127.0.0.1", port_}, "/api/v1", call, api::ContentType::kJson);
  ASSERT_EQ(reader.status(), 200);

  // A framework to update: subscribed, its stream kept open by the test.
  mesos::v1::scheduler::Call subscribeFramework;
  subscribeFramework.set_type(mesos::v1::scheduler::Call::SUBSCRIBE);
  auto* info = subscribeFramework.mutable_subscribe()->mutable_framework_info();
  info->set_user("root");
  info->set_name("bounds");
  testing::EventStream framework({"127.0.0.1", port_}, "/api/v1/scheduler", subscribeFramework,
                                 api::ContentType::kJson);
  ASSERT_EQ(framework.status(), 200);
  const std::string streamId = framework.header("Mesos-Stream-Id");
  mesos::v1::scheduler::Event subscribed;
  ASSERT_TRUE(framework.next(&subscribed));
  const auto frameworkId = subscribed.subscribed().framework_id();

  Watch watch(master_->pid(), port_);
  constexpr int kUpdates = 3000;
  const std::string filler(1000, 'x');
  int accepted = 0;
  for (int i = 0; i < kUpdates; ++i) {
    mesos::v1::scheduler::Call update;
    update.set_type(mesos::v1::scheduler::Call::UPDATE_FRAMEWORK);
    *update.mutable_framework_id() = frameworkId;
    auto* updated = update.mutable_update_framework()->mutable_framework_info();
    *updated = *info;
    *updated->mutable_id() = frameworkId;
    updated->set_name("bounds-" + std::to_string(i));  // a change: one event each
    for (int label = 0; label < 2; ++label) {
      auto* entry = updated->mutable_labels()->add_labels();
      entry->set_key("filler-" + std::to_string(label));
      entry->set_value(filler);
    }
    auto response = testing::postCall({"127.0.0.1", port_}, "/api/v1/scheduler", update,
                                      api::ContentType::kJson, {{"Mesos-Stream-Id", streamId}});
    if (response.status == 200) ++accepted;
  }
  // The reader gets every update, to the last.
  int received = 0;
  bool sawLast = false;
  mesos::v1::master::Event event;
  while (!sawLast && reader.next(&event, 10s)) {
    if (event.type() != mesos::v1::master::Event::FRAMEWORK_UPDATED) continue;
    ++received;
    sawLast = event.framework_updated().framework().framework_info().name() ==
              "bounds-" + std::to_string(kUpdates - 1);
  }
  watch.stop();

  // The non-readers were dropped: reading now, each finds its stream closed.
  int dropped = 0;
  const auto deadline = Clock::now() + 10s;  // for all: a kept stream never ends
  for (int fd : stalled) {
    std::string data;
    bool open = true;
    while (open && Clock::now() < deadline) {
      data.clear();
      open = readAvailable(fd, &data);
      if (open) std::this_thread::sleep_for(5ms);
    }
    if (!open) ++dropped;
    ::close(fd);
  }
  std::printf(
      "[bounds] 50 operator subscribers not reading, %d events of ~2.5 KiB: %d dropped, the "
      "reader got %d; master RSS %.1f MiB idle, peak %.1f MiB; /health p99 %.1f ms over %zu "
      "requests (%d failed)\n",
      accepted, dropped, received, double(idleKiB) / 1024, watch.peakMiB(), watch.p99(),
      watch.samples(), watch.failures());
  EXPECT_EQ(accepted, kUpdates);
  EXPECT_TRUE(sawLast) << "the reading subscriber got " << received << " updates";
  EXPECT_EQ(dropped, 50);
  EXPECT_LT(watch.peakMiB(), 160.0) << "50 x 2 MiB of backlog at most";
  EXPECT_LT(watch.p99(), 100.0);
  EXPECT_EQ(watch.failures(), 0);
  EXPECT_NE(master_->err().find("dropping the event stream to 127.0.0.1:"), std::string::npos);
}

// Beyond --http_max_connections a client is told 503 at once; /health is served again as
// soon as connections close.
TEST_F(Bounds, ConnectionsBeyondTheLimitAreRefusedWith503) {
  startMaster({"--http_max_connections=20"});
  std::vector<int> held;
  for (int i = 0; i < 20; ++i) {
    int fd = connectTo(port_);
    ASSERT_GE(fd, 0);
    held.push_back(fd);
  }
  std::this_thread::sleep_for(200ms);  // all accepted
  auto refused = http::fetch({"127.0.0.1", port_}, {.method = "GET", .path = "/health"});
  ASSERT_TRUE(refused) << refused.error().message;
  EXPECT_EQ(refused->status, 503);
  EXPECT_NE(refused->body.find("too many connections (20)"), std::string::npos) << refused->body;
  for (int fd : held)
    ::close(fd);
  std::this_thread::sleep_for(200ms);
  auto served = http::fetch({"127.0.0.1", port_}, {.method = "GET", .path = "/health"});
  ASSERT_TRUE(served) << served.error().message;
  EXPECT_EQ(served->status, 200);
}

// A chunked body says nothing of its size up front: it may reach the fixed allowance
// (1 MiB), taken from the budget, and is refused with 413 beyond it.
TEST_F(Bounds, ChunkedBodyWithoutContentLengthIsCappedByItsAllowance) {
  startMaster();
  int fd = connectTo(port_);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(sendAll(fd,
                      "POST /api/v1 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                      "application/json\r\nTransfer-Encoding: chunked\r\n\r\n"));
  const std::string chunk = "10000\r\n" + std::string(0x10000, ' ') + "\r\n";
  for (int i = 0; i < 32; ++i) {  // 2 MiB
    if (!sendAll(fd, chunk)) break;
  }
  std::string answer;
  const auto deadline = Clock::now() + 5s;
  while (Clock::now() < deadline && readAvailable(fd, &answer) &&
         answer.find("Content-Length") == std::string::npos) {
    std::this_thread::sleep_for(10ms);
  }
  std::this_thread::sleep_for(50ms);
  readAvailable(fd, &answer);
  ::close(fd);
  EXPECT_EQ(answer.rfind("HTTP/1.1 413", 0), 0u) << answer;
  EXPECT_NE(answer.find("chunked request body larger than the 1048576 bytes allowed without "
                        "Content-Length"),
            std::string::npos)
      << answer;
  // The allowance went back to the budget: the master still serves.
  auto health = http::fetch({"127.0.0.1", port_}, {.method = "GET", .path = "/health"});
  ASSERT_TRUE(health) << health.error().message;
  EXPECT_EQ(health->status, 200);
}

}  // namespace
}  // namespace mesolite
