// Launch latency: a /bin/true container from LAUNCH_CONTAINER to WAIT_CONTAINER's
// answer, through a real mesos-agent, next to `runc run` of an equivalent bundle in
// the same run; sequential and 8 at a time. Two agents run side by side, taking
// turns: one with the isolation core (cpu/memory/pids cgroups; pid, ipc, uts and mount namespaces)
// and with the hardened default (plus the devices cgroup, the read-only filesystem view, the init,
// capabilities, no_new_privs and seccomp). runc gets its default capabilities and our
// default seccomp profile in OCI form. Also the agent's RSS, idle and with 200 running
// containers. Root only; prints a table and the ratios.
//
//   launch_bench AGENT LAUNCHER_DIR [--runs=100] [--parallel=8] [--hold=200]
//                [--hardened=ISOLATION] [--no-runc]
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "common/http_client.h"
#include "isolators/linux_capabilities_isolator.h"
#include "isolators/seccomp/profile.h"
#include "tests/support/subprocess.h"

using namespace std::chrono_literals;
using json = nlohmann::json;
using mesolite::http::Endpoint;
using Clock = std::chrono::steady_clock;

namespace {

struct Stats {
  double median = 0, p99 = 0, mean = 0;
};

Stats summarize(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  Stats s;
  if (ms.empty()) return s;
  s.median = ms[ms.size() / 2];
  s.p99 = ms[std::min(ms.size() - 1, size_t(double(ms.size()) * 0.99))];
  for (double v : ms)
    s.mean += v;
  s.mean /= double(ms.size());
  return s;
}

bool post(const Endpoint& agent, const json& body, int* status, std::string* answer) {
  mesolite::http::Request request{.method = "POST", .path = "/api/v1", .body = body.dump()};
  request.headers["Content-Type"] = "application/json";
  auto response = mesolite::http::fetch(agent, request, {.timeout = 60s});
  if (!response) return false;
  *status = response->status;
  if (answer) *answer = response->body;
  return true;
}

json launchCall(const std::string& id, const json& command) {
  return {{"type", "LAUNCH_CONTAINER"},
          {"launch_container",
           {{"container_id", {{"value", id}}},
            {"command", command},
            {"resources",
             {{{"name", "cpus"}, {"type", "SCALAR"}, {"scalar", {{"value", 0.1}}}},
              {{"name", "mem"}, {"type", "SCALAR"}, {"scalar", {{"value", 32}}}}}}}}};
}

json idCall(const char* type, const char* field, const std::string& id) {
  return {{"type", type}, {field, {{"container_id", {{"value", id}}}}}};
}

// One container's life: launch, wait for its end, remove. Milliseconds to the end.
double mesoliteOnce(const Endpoint& agent, const std::string& id) {
  const auto start = Clock::now();
  int status = 0;
  if (!post(agent,
            launchCall(id, {{"shell", false}, {"value", "/bin/true"}, {"arguments", {"true"}}}),
            &status, nullptr) ||
      status != 200)
    return -1;
  std::string answer;
  if (!post(agent, idCall("WAIT_CONTAINER", "wait_container", id), &status, &answer) ||
      status != 200) {
    return -1;
  }
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  post(agent, idCall("REMOVE_CONTAINER", "remove_container", id), &status, nullptr);
  return ms;
}

// Our default seccomp profile as runc takes it (OCI has no includes/excludes): the
// rules a root task with the default capabilities gets.
json ociSeccompProfile() {
  json docker = json::parse(mesolite::isolation::seccomp::defaultProfileJson());
  const uint64_t held = mesolite::isolation::defaultTaskCapabilities();
  const auto capabilities = [](const json& names) {
    uint64_t set = 0;
    for (const auto& name : names) {
      const std::string text = name.get<std::string>().substr(4);  // CAP_
      mesos::v1::CapabilityInfo::Capability value;
      if (mesos::v1::CapabilityInfo::Capability_Parse(text, &value))
        set |= uint64_t(1) << (int(value) - 1000);
    }
    return set;
  };
  json oci = {{"defaultAction", docker["defaultAction"]}, {"syscalls", json::array()}};
  if (docker.contains("defaultErrnoRet")) oci["defaultErrnoRet"] = docker["defaultErrnoRet"];
  oci["architectures"] = json::array();
  for (const auto& entry : docker.value("archMap", json::array())) {
    // This host's architecture only: runc refuses names its libseccomp lacks.
    if (entry["architecture"] != "SCMP_ARCH_X86_64" &&
        entry["architecture"] != "SCMP_ARCH_AARCH64") {
      continue;
    }
    oci["architectures"].push_back(entry["architecture"]);
    for (const auto& sub : entry.value("subArchitectures", json::array()))
      oci["architectures"].push_back(sub);
  }
  for (const auto& rule : docker["syscalls"]) {
    const json includes = rule.value("includes", json::object());
    const json excludes = rule.value("excludes", json::object());
    const uint64_t required = capabilities(includes.value("caps", json::array()));
    const uint64_t excluded = capabilities(excludes.value("caps", json::array()));
    if ((held & required) != required || (held & excluded) != 0) continue;
    const auto namesNative = [](const json& object) {
      const json arches = object.value("arches", json::array());
      return std::find(arches.begin(), arches.end(), json("amd64")) != arches.end();
    };
    if (includes.contains("arches") && !namesNative(includes)) continue;
    if (excludes.contains("arches") && namesNative(excludes)) continue;
    json copy = {{"names", rule["names"]}, {"action", rule["action"]}};
    for (const char* key : {"args", "errnoRet"})
      if (rule.contains(key)) copy[key] = rule[key];
    oci["syscalls"].push_back(copy);
  }
  return oci;
}

// A bundle whose rootfs is busybox, with the same limits and namespaces.
bool makeRuncBundle(const std::string& bundle) {
  std::filesystem::create_directories(bundle + "/rootfs/bin");
  std::filesystem::copy_file("/bin/busybox", bundle + "/rootfs/bin/busybox");
  std::filesystem::create_symlink("busybox", bundle + "/rootfs/bin/true");
  for (const char* dir : {"proc", "dev", "sys", "tmp"}) {
    std::filesystem::create_directories(bundle + "/rootfs/" + dir);
  }
  auto spec = mesolite::testing::run({"/usr/sbin/runc", "spec", "--bundle", bundle});
  if (spec.exitCode() != 0) return false;
  std::ifstream in(bundle + "/config.json");
  json config = json::parse(in);
  config["process"]["terminal"] = false;
  config["process"]["args"] = {"/bin/true"};
  json namespaces = json::array();
  for (const char* kind : {"pid", "ipc", "uts", "mount"})
    namespaces.push_back({{"type", kind}});
  config["linux"]["namespaces"] = namespaces;
  config["linux"]["resources"]["memory"] = {{"limit", 32 << 20}};
  config["linux"]["resources"]["cpu"] = {{"shares", 102}};
  config["linux"]["resources"]["pids"] = {{"limit", 4096}};
  config["linux"]["seccomp"] = ociSeccompProfile();
  std::ofstream(bundle + "/config.json") << config.dump(2);
  return true;
}

double runcOnce(const std::string& bundle, const std::string& id) {
  const auto start = Clock::now();
  auto done = mesolite::testing::run({"/usr/sbin/runc", "run", "--bundle", bundle, id});
  if (done.exitCode() != 0) {
    std::cerr << "runc run failed: " << done.err << "\n";
    return -1;
  }
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::vector<double> measure(int runs, int parallel, const std::function<double(int)>& once) {
  std::vector<double> samples(size_t(runs), -1);
  std::atomic<int> next{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < parallel; ++w) {
    workers.emplace_back([&] {
      for (int i = next++; i < runs; i = next++)
        samples[size_t(i)] = once(i);
    });
  }
  for (auto& worker : workers)
    worker.join();
  std::erase_if(samples, [](double v) { return v < 0; });
  return samples;
}

long rssKiB(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: launch_bench AGENT LAUNCHER_DIR [--runs=N] [--parallel=N] [--hold=N]\n"
                 "                    [--hardened=ISOLATION] [--no-runc]\n";
    return 2;
  }
  if (geteuid() != 0) {
    std::cout << "SKIP: launch_bench needs root (cgroups, namespaces)\n";
    return 77;
  }
  int runs = 100, parallel = 8, hold = 200;
  std::string hardenedIsolation;  // empty: the agent's default
  bool withRunc = true;
  for (int i = 3; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--runs=", 0) == 0) runs = std::stoi(arg.substr(7));
    if (arg.rfind("--parallel=", 0) == 0) parallel = std::stoi(arg.substr(11));
    if (arg.rfind("--hold=", 0) == 0) hold = std::stoi(arg.substr(7));
    // To find what a step of the default costs: measure a list without it.
    if (arg.rfind("--hardened=", 0) == 0) hardenedIsolation = arg.substr(11);
    if (arg == "--no-runc") withRunc = false;
  }
  char dirTemplate[] = "/tmp/mesolite-bench-XXXXXX";
  const std::string dir = mkdtemp(dirTemplate);
  const std::string cgroupsRoot = "mesolite-bench-" + std::to_string(getpid());
  // --runtime_dir is /var/run/mesos on a real host: tmpfs, like /dev/shm here.
  const std::string runtimeDir = "/dev/shm/" + cgroupsRoot;

  // Both agents run side by side and take turns, one launch (or one batch of
  // `parallel`) each: the machine's drift (other load, page cache, CPU frequency) falls
  // on both alike, and the ratio compares like with like.
  struct Agent {
    std::unique_ptr<mesolite::testing::Subprocess> process;
    Endpoint endpoint;
    std::string tag;
    std::vector<double> seq, par;
  };
  // `isolation` empty: the agent's default.
  const auto startAgent = [&](const std::string& name,
                              const std::string& isolation) -> std::optional<Agent> {
    std::vector<std::string> args = {argv[1], "--work_dir=" + dir + "/work-" + name,
                                     "--runtime_dir=" + runtimeDir + "-" + name,
                                     "--launcher_dir=" + std::string(argv[2]), "--ip=127.0.0.1",
                                     "--port=0", "--cgroups_root=" + cgroupsRoot + "-" + name,
                                     // The benchmark's own client launches, unauthenticated.
                                     "--allow_unauthenticated_operator_writes"};
    if (!isolation.empty()) args.push_back("--isolation=" + isolation);
    Agent agent;
    agent.process = std::make_unique<mesolite::testing::Subprocess>(args);
    auto line = agent.process->waitForLine("agent listening on", 20s);
    if (!line) {
      std::cerr << name << " agent did not start: " << agent.process->err() << "\n";
      return std::nullopt;
    }
    std::smatch match;
    std::regex_search(*line, match, std::regex(R"(127\.0\.0\.1:(\d+))"));
    agent.endpoint = Endpoint{"127.0.0.1", uint16_t(std::stoi(match[1]))};
    agent.tag = name;
    return agent;
  };
  auto core = startAgent(
      "core", "cgroups/cpu,cgroups/mem,cgroups/pids,namespaces/pid,namespaces/ipc,namespaces/uts");
  auto hardened = startAgent("hardened", hardenedIsolation);
  if (!core || !hardened) return 1;
  std::this_thread::sleep_for(500ms);
  const long idleRss = rssKiB(hardened->process->pid());

  // Warm up (page cache, first cgroup creation), then take turns.
  for (Agent* agent : {&*core, &*hardened}) {
    for (int i = 0; i < 5; ++i)
      mesoliteOnce(agent->endpoint, agent->tag + "-warm-" + std::to_string(i));
  }
  for (int i = 0; i < runs; ++i) {
    for (Agent* agent : {&*core, &*hardened}) {
      const double ms = mesoliteOnce(agent->endpoint, agent->tag + "-s" + std::to_string(i));
      if (ms >= 0) agent->seq.push_back(ms);
    }
  }
  for (int batch = 0; batch * parallel < runs; ++batch) {
    for (Agent* agent : {&*core, &*hardened}) {
      auto samples = measure(parallel, parallel, [&](int i) {
        return mesoliteOnce(agent->endpoint,
                            agent->tag + "-p" + std::to_string(batch) + "-" + std::to_string(i));
      });
      agent->par.insert(agent->par.end(), samples.begin(), samples.end());
    }
  }
  core->process->stop(SIGTERM, 10s);

  // The hardened agent's RSS with `hold` running containers.
  int status = 0;
  const Endpoint& endpoint = hardened->endpoint;
  for (int i = 0; i < hold; ++i) {
    post(endpoint,
         launchCall("hold" + std::to_string(i), {{"shell", true}, {"value", "sleep 1000"}}),
         &status, nullptr);
  }
  std::this_thread::sleep_for(1s);
  const long busyRss = rssKiB(hardened->process->pid());
  for (int i = 0; i < hold; ++i) {
    post(endpoint, idCall("KILL_CONTAINER", "kill_container", "hold" + std::to_string(i)), &status,
         nullptr);
  }
  for (int i = 0; i < hold; ++i) {
    const std::string id = "hold" + std::to_string(i);
    post(endpoint, idCall("WAIT_CONTAINER", "wait_container", id), &status, nullptr);
    post(endpoint, idCall("REMOVE_CONTAINER", "remove_container", id), &status, nullptr);
  }
  hardened->process->stop(SIGTERM, 10s);
  const Stats coreSeq = summarize(core->seq), corePar = summarize(core->par);
  const Stats seq = summarize(hardened->seq), par = summarize(hardened->par);

  Stats runcSeq, runcPar;
  bool runc = withRunc && std::filesystem::exists("/usr/sbin/runc") &&
              std::filesystem::exists("/bin/busybox");
  if (runc && makeRuncBundle(dir + "/bundle")) {
    for (int i = 0; i < 3; ++i)
      runcOnce(dir + "/bundle", "mesolite-bench-warm-" + std::to_string(i));
    runcSeq = summarize(measure(runs, 1, [&](int i) {
      return runcOnce(dir + "/bundle",
                      "mesolite-bench-s" + std::to_string(getpid()) + "-" + std::to_string(i));
    }));
    runcPar = summarize(measure(runs, parallel, [&](int i) {
      return runcOnce(dir + "/bundle",
                      "mesolite-bench-p" + std::to_string(getpid()) + "-" + std::to_string(i));
    }));
  } else {
    runc = false;
  }
  std::filesystem::remove_all(dir);
  for (const std::string name : {"-core", "-hardened"}) {
    std::filesystem::remove_all(runtimeDir + name);
    for (const char* controller :
         {"cpu", "memory", "pids", "cpuacct", "cpuset", "freezer", "blkio", "devices", "unified"}) {
      rmdir(("/sys/fs/cgroup/" + std::string(controller) + "/" + cgroupsRoot + name).c_str());
    }
    rmdir(("/sys/fs/cgroup/" + cgroupsRoot + name).c_str());
  }

  std::printf("launch -> exec -> exit of /bin/true, %d runs (ms)\n", runs);
  std::printf("%-28s %9s %9s %9s\n", "", "median", "p99", "mean");
  std::printf("%-28s %9.2f %9.2f %9.2f\n", "core sequential", coreSeq.median, coreSeq.p99,
              coreSeq.mean);
  std::printf("%-28s %9.2f %9.2f %9.2f\n",
              ("core " + std::to_string(parallel) + " parallel").c_str(), corePar.median,
              corePar.p99, corePar.mean);
  std::printf("%-28s %9.2f %9.2f %9.2f\n", "hardened sequential", seq.median, seq.p99, seq.mean);
  std::printf("%-28s %9.2f %9.2f %9.2f\n",
              ("hardened " + std::to_string(parallel) + " parallel").c_str(), par.median, par.p99,
              par.mean);
  std::printf("ratio hardened/core (median): sequential %.2fx, parallel %.2fx\n",
              seq.median / coreSeq.median, par.median / corePar.median);
  if (runc) {
    std::printf("%-28s %9.2f %9.2f %9.2f\n", "runc sequential", runcSeq.median, runcSeq.p99,
                runcSeq.mean);
    std::printf("%-28s %9.2f %9.2f %9.2f\n",
                ("runc " + std::to_string(parallel) + " parallel").c_str(), runcPar.median,
                runcPar.p99, runcPar.mean);
    std::printf("ratio runc/hardened (median): sequential %.1fx, parallel %.1fx\n",
                runcSeq.median / seq.median, runcPar.median / par.median);
  } else {
    std::printf("runc: not measured (needs /usr/sbin/runc and /bin/busybox)\n");
  }
  std::printf("agent RSS: idle %.1f MiB, with %d running containers %.1f MiB\n", idleRss / 1024.0,
              hold, busyRss / 1024.0);
  return 0;
}
