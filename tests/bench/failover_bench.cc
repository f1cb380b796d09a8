// Master failover: three real mesos-masters elected in a real ZooKeeper (Debian's
// `zookeeper`, on loopback), N scripted agents each running one task of one framework
// whose failover_timeout is 0, and the leader killed with kill -9. Timed from the kill:
// (a) a surviving master reports master/elected 1, (b) the framework, having found the
// new leader in ZooKeeper and re-subscribed with its id, gets its first OFFERS, (c) every
// agent has re-registered with its task. The reference in the same run: one master
// without ZooKeeper, killed with kill -9 and restarted at once on the same port by the
// benchmark, the same (b) and (c). Agents and scheduler re-detect the leader as the real
// agent does, through ZooKeeper with detect::detectLeaderOnce, in a loop until it names a
// live master other than the killed one. No agent may be told KILL_TASK,
// SHUTDOWN_FRAMEWORK or SHUTDOWN (exit 1 if one is). No root; exit 77 without ZooKeeper.
//
//   failover_bench MASTER [--agents=1,50] [--runs=3] [--session_timeout=2]
//                  [--retry_interval_ms=100] [--timeout=30]
#include "tests/bench/failover_clients.h"

using namespace failover_bench;

namespace {

mesolite::Result<mesolite::http::Response> get(const Endpoint& to, const std::string& path) {
  return mesolite::http::fetch(to, {.method = "GET", .path = path}, {.timeout = 2s});
}

bool elected(const Endpoint& master) {
  auto response = get(master, "/metrics/snapshot");
  if (!response || response->status != 200) return false;
  auto snapshot = json::parse(response->body, nullptr, false);
  return snapshot.is_object() && snapshot.value("master/elected", 0.0) == 1.0;
}

// The tasks the master knows as TASK_RUNNING (-1 if it does not answer).
int runningTasks(const Endpoint& master) {
  auto response = get(master, "/master/tasks");
  if (!response || response->status != 200) return -1;
  auto tasks = json::parse(response->body, nullptr, false);
  if (!tasks.is_object()) return -1;
  int count = 0;
  for (const auto& task : tasks["tasks"])
    count += task.value("state", "") == "TASK_RUNNING";
  return count;
}

// Polls `condition` every `interval` until it holds (true) or `timeout` passes (false).
bool waitUntil(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
               std::chrono::milliseconds interval = 20ms) {
  const auto deadline = Clock::now() + timeout;
  while (!interrupted) {
    if (condition()) return true;
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(interval);
  }
  return false;
}

// One master process on 127.0.0.1:`port`.
std::unique_ptr<Subprocess> startMaster(const Settings& settings, uint16_t port,
                                        const std::string& workDir,
                                        const std::vector<std::string>& extra, std::string* error) {
  std::filesystem::create_directories(workDir);
  // Pings every 30 s: none is due during a measurement, so a busy machine cannot make
  // a master give up on an agent and skew the figures.
  std::vector<std::string> argv = {settings.masterPath,
                                   "--ip=127.0.0.1",
                                   "--port=" + std::to_string(port),
                                   "--hostname=127.0.0.1",
                                   "--allocation_interval=50ms",
                                   "--agent_ping_timeout=30secs",
                                   "--registry=replicated_log",
                                   "--work_dir=" + workDir};
  argv.insert(argv.end(), extra.begin(), extra.end());
  auto master = std::make_unique<Subprocess>(argv);
  if (!master->waitForLine("master listening on", 20s)) {
    *error = "master on port " + std::to_string(port) + " did not start: " + master->err();
    return nullptr;
  }
  return master;
}

// One measurement's results in ms from the kill; negative when not reached.
struct Sample {
  double elected = -1;
  double firstOffer = -1;
  double allReregistered = -1;
  std::string failure;  // why the measurement is void
};

// What both kinds of measurement share once the masters run: the cluster brought up
// through `run.locate`, the kill by `killLeader` (which returns the masters to poll for
// master/elected), then the clocks.
Sample measure(const Settings& settings, Run& run, int agentCount,
               const std::function<std::vector<Endpoint>()>& killLeader) {
  Sample sample;
  run.retryInterval = settings.retryInterval;
  // Declared first, destroyed last: the agents are gone before the framework leaves.
  std::unique_ptr<ScriptedScheduler> scheduler;
  std::vector<std::unique_ptr<ScriptedAgent>> agents;
  for (int i = 0; i < agentCount; ++i)
    agents.push_back(std::make_unique<ScriptedAgent>(run, i));
  const auto setupTimeout = std::chrono::duration_cast<Milliseconds>(settings.timeout);
  if (!waitUntil(
          [&] {
            return std::all_of(agents.begin(), agents.end(),
                               [](const auto& agent) { return agent->registered(); });
          },
          setupTimeout)) {
    sample.failure = "the agents did not all register";
    return sample;
  }
  scheduler = std::make_unique<ScriptedScheduler>(run, agentCount);
  if (!waitUntil(
          [&] {
            return scheduler->running() == agentCount &&
                   std::all_of(agents.begin(), agents.end(),
                               [](const auto& agent) { return agent->hasTask(); });
          },
          setupTimeout)) {
    sample.failure = "only " + std::to_string(scheduler->running()) + " of " +
                     std::to_string(agentCount) + " tasks running before the kill";
    return sample;
  }
  // The registry's writes are batched: let the last admitted agent reach it.
  std::this_thread::sleep_for(500ms);

  run.killedAt = Clock::now();
  run.killed = true;
  const std::vector<Endpoint> survivors = killLeader();
  std::optional<Endpoint> leader;
  waitUntil(
      [&] {
        for (const auto& master : survivors) {
          if (elected(master)) {
            leader = master;
            return true;
          }
        }
        return false;
      },
      setupTimeout, 10ms);
  if (!leader) {
    sample.failure = "no master reported master/elected 1";
    return sample;
  }
  sample.elected = msBetween(run.killedAt, Clock::now());

  std::optional<Clock::time_point> lastBack;
  const bool back = waitUntil(
      [&] {
        Clock::time_point latest = run.killedAt;
        for (const auto& agent : agents) {
          auto at = agent->reregisteredAt();
          if (!at) return false;
          latest = std::max(latest, *at);
        }
        lastBack = latest;
        return scheduler->firstOfferAfterKill().has_value();
      },
      setupTimeout, 10ms);
  if (auto offer = scheduler->firstOfferAfterKill())
    sample.firstOffer = msBetween(run.killedAt, *offer);
  if (lastBack) sample.allReregistered = msBetween(run.killedAt, *lastBack);
  if (!back) {
    int count = 0;
    for (const auto& agent : agents)
      count += agent->reregisteredAt().has_value();
    sample.failure = std::to_string(count) + " of " + std::to_string(agentCount) +
                     " agents re-registered and " +
                     (sample.firstOffer < 0 ? "no offer came" : "an offer came") + " within " +
                     std::to_string(settings.timeout.count()) + " s";
    return sample;
  }
  // The failure issue 12 fixed removed a framework with failover_timeout 0 (killing its
  // tasks) ~0.9 s after its agents came back: keep watching a while.
  std::this_thread::sleep_for(1500ms);
  if (int tasks = runningTasks(*leader); tasks != agentCount) {
    sample.failure = "the new leader knows " + std::to_string(tasks) + " running tasks, not " +
                     std::to_string(agentCount);
  }
  return sample;
}

// What a master logged about frameworks, for a failure's report: the last `limit` lines.
std::string frameworkLog(const Subprocess& master, size_t limit = 12) {
  std::vector<std::string> lines;
  std::istringstream in(master.err() + master.out());
  for (std::string line; std::getline(in, line);)
    if (line.find("framework") != std::string::npos) lines.push_back(line);
  std::string text;
  for (size_t i = lines.size() > limit ? lines.size() - limit : 0; i < lines.size(); ++i)
    text += "\n    " + lines[i];
  return text;
}

// Three masters in ZooKeeper (a fresh znode path per measurement); the leader killed.
Sample measureFailover(const Settings& settings, ZooKeeperServer& zookeeper, const std::string& dir,
                       int agentCount) {
  Sample sample;
  const std::string url = zookeeper.url("/" + std::filesystem::path(dir).filename().string());
  std::vector<uint16_t> ports;
  std::vector<std::unique_ptr<Subprocess>> masters;
  for (int i = 0; i < 3; ++i) {
    ports.push_back(mesolite::testing::freePort());
    std::string error;
    masters.push_back(startMaster(
        settings, ports.back(), dir + "/master" + std::to_string(i),
        {"--zk=" + url, "--quorum=2",
         "--zk_session_timeout=" + std::to_string(settings.sessionTimeout.count()) + "secs"},
        &error));
    if (!masters.back()) {
      sample.failure = error;
      return sample;
    }
  }
  auto endpoint = [&](size_t i) { return Endpoint{"127.0.0.1", ports[i]}; };
  int first = -1;
  waitUntil(
      [&] {
        for (size_t i = 0; i < masters.size(); ++i) {
          if (elected(endpoint(i))) first = int(i);
        }
        return first >= 0;
      },
      20s, 50ms);
  if (first < 0) {
    sample.failure = "no master was elected at start";
    return sample;
  }

  Run run;
  std::atomic<uint16_t> killedPort{0};
  const mesolite::detect::DetectorOptions detector{.sessionTimeout = settings.sessionTimeout};
  // As the real agent: the leader is whoever ZooKeeper names; the killed master is named
  // until its session expires, so that answer is not taken.
  run.locate = [&]() -> std::optional<Endpoint> {
    auto leader = mesolite::detect::detectLeaderOnce(url, 2s, detector);
    if (!leader || leader->endpoint.port == killedPort) return std::nullopt;
    return leader->endpoint;
  };
  sample = measure(settings, run, agentCount, [&] {
    killedPort = ports[size_t(first)];
    masters[size_t(first)]->stop(SIGKILL, 10s);
    std::vector<Endpoint> survivors;
    for (size_t i = 0; i < masters.size(); ++i)
      if (int(i) != first) survivors.push_back(endpoint(i));
    return survivors;
  });
  for (const auto& violation : run.violations())
    sample.failure += (sample.failure.empty() ? "" : "; ") + violation;
  if (!sample.failure.empty()) {
    for (size_t i = 0; i < masters.size(); ++i) {
      if (int(i) != first) {
        sample.failure += "\n  master " + std::to_string(i) + ":" + frameworkLog(*masters[i]);
      }
    }
  }
  return sample;
}

// The reference: one master without ZooKeeper, killed and restarted on the same port.
Sample measureRestart(const Settings& settings, const std::string& dir, int agentCount) {
  Sample sample;
  const uint16_t port = mesolite::testing::freePort();
  const Endpoint endpoint{"127.0.0.1", port};
  std::string error;
  auto master = startMaster(settings, port, dir + "/master", {}, &error);
  if (!master) {
    sample.failure = error;
    return sample;
  }
  Run run;
  run.locate = [&]() -> std::optional<Endpoint> { return endpoint; };
  std::string restartError;
  sample = measure(settings, run, agentCount, [&] {
    master->stop(SIGKILL, 10s);
    master.reset();
    // At once, on the same port and work dir (the log waits for it to listen).
    master = startMaster(settings, port, dir + "/master", {}, &restartError);
    return std::vector<Endpoint>{endpoint};
  });
  if (!restartError.empty()) sample.failure = restartError;
  for (const auto& violation : run.violations())
    sample.failure += (sample.failure.empty() ? "" : "; ") + violation;
  if (!sample.failure.empty() && master) sample.failure += "\n  master:" + frameworkLog(*master);
  return sample;
}

double median(std::vector<double> values) {
  if (values.empty()) return -1;
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// "median (min-max)" of the samples, "-" without any.
std::string cell(const std::vector<double>& values) {
  if (values.empty()) return "-";
  const auto [low, high] = std::minmax_element(values.begin(), values.end());
  char text[64];
  std::snprintf(text, sizeof text, "%.0f (%.0f-%.0f)", median(values), *low, *high);
  return text;
}

struct Series {
  std::vector<double> elected, firstOffer, allReregistered;
  void add(const Sample& sample) {
    elected.push_back(sample.elected);
    firstOffer.push_back(sample.firstOffer);
    allReregistered.push_back(sample.allReregistered);
  }
};

std::vector<int> parseList(const std::string& text) {
  std::vector<int> values;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) values.push_back(std::max(1, std::stoi(item)));
  return values;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: failover_bench MASTER [--agents=1,50] [--runs=3] [--session_timeout=2] "
                 "[--retry_interval_ms=100] [--timeout=30]\n";
    return 2;
  }
  Settings settings;
  settings.masterPath = argv[1];
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](const char* prefix) -> std::optional<std::string> {
      if (arg.rfind(prefix, 0) != 0) return std::nullopt;
      return arg.substr(std::strlen(prefix));
    };
    if (auto v = value("--agents=")) settings.agentCounts = parseList(*v);
    if (auto v = value("--runs=")) settings.runs = std::max(1, std::stoi(*v));
    if (auto v = value("--session_timeout="))
      settings.sessionTimeout = std::chrono::seconds(std::clamp(std::stoi(*v), 1, 10));
    if (auto v = value("--retry_interval_ms="))
      settings.retryInterval = Milliseconds(std::max(1, std::stoi(*v)));
    if (auto v = value("--timeout=")) settings.timeout = std::chrono::seconds(std::stoi(*v));
  }
  // The leader detectors of the scripted clients log every look-up.
  spdlog::set_level(spdlog::level::warn);
  if (auto why = ZooKeeperServer::unavailable()) {
    std::cout << "SKIP: failover_bench needs a ZooKeeper server: " << *why << "\n";
    return 77;
  }
  // Ends the bounded waits early; every process is still stopped by its owner.
  struct sigaction action {};
  action.sa_handler = [](int) { interrupted = true; };
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);

  ZooKeeperServer zookeeper(1);
  if (auto error = zookeeper.start()) {
    std::cout << "FAIL: ZooKeeper did not start: " << *error << "\n";
    return 1;
  }
  char dirTemplate[] = "/tmp/mesolite-failover-bench-XXXXXX";
  const std::string dir = mkdtemp(dirTemplate);

  std::vector<Series> failover(settings.agentCounts.size()), restart(failover.size());
  std::vector<std::string> failures;
  int measurement = 0;
  // Interleaved, so that the machine's drift falls on both kinds alike.
  for (int r = 0; r < settings.runs && !interrupted; ++r) {
    for (size_t k = 0; k < settings.agentCounts.size() && !interrupted; ++k) {
      const int agents = settings.agentCounts[k];
      for (const bool ha : {true, false}) {
        const std::string runDir = dir + "/run" + std::to_string(++measurement);
        const auto sample = ha ? measureFailover(settings, zookeeper, runDir, agents)
                               : measureRestart(settings, runDir, agents);
        std::error_code ignored;
        std::filesystem::remove_all(runDir, ignored);
        std::fprintf(
            stderr, "%s, %d agents, run %d: elected %.0f ms, offer %.0f ms, agents %.0f ms%s%s\n",
            ha ? "failover" : "restart", agents, r + 1, sample.elected, sample.firstOffer,
            sample.allReregistered, sample.failure.empty() ? "" : ": ", sample.failure.c_str());
        if (!sample.failure.empty()) {
          failures.push_back(std::string(ha ? "failover" : "restart") + ", " +
                             std::to_string(agents) + " agents, run " + std::to_string(r + 1) +
                             ": " + sample.failure);
          continue;
        }
        (ha ? failover : restart)[k].add(sample);
      }
    }
  }
  zookeeper.stop();
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);

  std::printf(
      "Master failover, ms from kill -9 of the leader: median (min-max) of %d runs; one "
      "framework (failover_timeout 0), one task per scripted agent; clients retry every %lld ms\n",
      settings.runs, static_cast<long long>(settings.retryInterval.count()));
  std::printf("%-28s %6s %8s %16s %16s %18s\n", "", "agents", "session", "elected", "first offer",
              "all re-registered");
  for (size_t k = 0; k < settings.agentCounts.size(); ++k) {
    const std::string session = std::to_string(settings.sessionTimeout.count()) + " s";
    std::printf("%-28s %6d %8s %16s %16s %18s\n", "3 masters, ZooKeeper", settings.agentCounts[k],
                session.c_str(), cell(failover[k].elected).c_str(),
                cell(failover[k].firstOffer).c_str(), cell(failover[k].allReregistered).c_str());
    std::printf("%-28s %6d %8s %16s %16s %18s\n", "1 master, restarted", settings.agentCounts[k],
                "-", cell(restart[k].elected).c_str(), cell(restart[k].firstOffer).c_str(),
                cell(restart[k].allReregistered).c_str());
  }
  for (size_t k = 0; k < settings.agentCounts.size(); ++k) {
    const auto& ha = failover[k];
    const auto& reference = restart[k];
    if (ha.elected.empty() || reference.elected.empty()) {
      std::printf("%d agents: ratios n/a (a measurement failed)\n", settings.agentCounts[k]);
      continue;
    }
    std::printf(
        "%d agents: HA/restart first offer %.2f, all re-registered %.2f; elected/session "
        "timeout %.2f\n",
        settings.agentCounts[k], median(ha.firstOffer) / median(reference.firstOffer),
        median(ha.allReregistered) / median(reference.allReregistered),
        median(ha.elected) / double(std::chrono::milliseconds(settings.sessionTimeout).count()));
  }
  for (const auto& failure : failures)
    std::printf("FAIL: %s\n", failure.c_str());
  return failures.empty() && !interrupted ? 0 : 1;
}
