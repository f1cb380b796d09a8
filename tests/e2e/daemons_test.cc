// The daemons as an operator meets them: --help, flag errors, and the endpoints every
// daemon serves, over real HTTP on 127.0.0.1.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "common/http_client.h"
#include "mesos/v1/agent/agent.pb.h"
#include "mesos/v1/master/master.pb.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace mesolite {
namespace {

using testing::run;
using testing::Subprocess;
using namespace std::chrono_literals;

std::string agentPath() {
  return std::getenv("MESOLITE_AGENT");
}
std::string masterPath() {
  return std::getenv("MESOLITE_MASTER");
}
std::string daemonName(const std::string& path) {
  return std::filesystem::path(path).filename();
}

using WorkDir = testing::TempDir;

TEST(AgentFlags, HelpListsTheFlagsWithDefaults) {
  auto help = run({agentPath(), "--help"});
  EXPECT_EQ(help.exitCode(), 0);
  for (const char* expected :
       {"Usage: mesos-agent [options]", "--work_dir=VALUE", "--master=VALUE", "--resources=VALUE",
        "(default: 5051)", "--[no-]switch_user", "(default: 15mins)", "(default: /var/run/mesos)",
        "cgroups/cpu,cgroups/mem,cgroups/pids", "--[no-]strict"}) {
    EXPECT_NE(help.out.find(expected), std::string::npos) << expected;
  }
}

TEST(MasterFlags, HelpListsTheFlagsWithDefaults) {
  auto help = run({masterPath(), "--help"});
  EXPECT_EQ(help.exitCode(), 0);
  for (const char* expected :
       {"Usage: mesos-master [options]", "(default: 5050)", "--allocation_interval=VALUE",
        "(default: 1secs)", "--agent_ping_timeout=VALUE", "(alias: --slave_ping_timeout)",
        "--zk=VALUE", "--quorum=VALUE", "--weights=VALUE"}) {
    EXPECT_NE(help.out.find(expected), std::string::npos) << expected;
  }
}

TEST(AgentFlags, BadResourcesAreNamedFromTheCommandLineAndTheEnvironment) {
  WorkDir dir;
  auto flag = run({agentPath(), "--work_dir=" + dir.path(), "--resources=cpus:abc"});
  EXPECT_NE(flag.exitCode(), 0);
  EXPECT_NE(flag.err.find("cpus:abc"), std::string::npos) << flag.err;
  EXPECT_NE(flag.err.find("--resources"), std::string::npos) << flag.err;

  auto env = run({agentPath(), "--work_dir=" + dir.path()}, {{"MESOS_RESOURCES", "cpus:abc"}});
  EXPECT_NE(env.exitCode(), 0);
  EXPECT_NE(env.err.find("cpus:abc"), std::string::npos) << env.err;
  EXPECT_NE(env.err.find("MESOS_RESOURCES"), std::string::npos) << env.err;
}

TEST(AgentFlags, UnknownMissingAndMalformedFlagsAreNamed) {
  WorkDir dir;
  auto unknown = run({agentPath(), "--work_dir=" + dir.path(), "--no_such_flag=1"});
  EXPECT_EQ(unknown.exitCode(), 1);
  EXPECT_NE(unknown.err.find("--no_such_flag"), std::string::npos) << unknown.err;

  auto missing = run({agentPath()});
  EXPECT_EQ(missing.exitCode(), 1);
  EXPECT_NE(missing.err.find("--work_dir"), std::string::npos) << missing.err;

  auto port = run({agentPath(), "--work_dir=" + dir.path(), "--port=70000"});
  EXPECT_EQ(port.exitCode(), 1);
  EXPECT_NE(port.err.find("70000"), std::string::npos) << port.err;

  auto duration = run({agentPath(), "--work_dir=" + dir.path(), "--recovery_timeout=5minutes"});
  EXPECT_EQ(duration.exitCode(), 1);
  EXPECT_NE(duration.err.find("minutes"), std::string::npos) << duration.err;

  auto recover = run({agentPath(), "--work_dir=" + dir.path(), "--recover=maybe"});
  EXPECT_EQ(recover.exitCode(), 1);
  EXPECT_NE(recover.err.find("maybe"), std::string::npos) << recover.err;
}

TEST(AgentFlags, NamespacesNeedTheLinuxLauncher) {
  WorkDir dir;
  auto posix = run({agentPath(), "--work_dir=" + dir.path(), "--launcher=posix",
                    "--isolation=cgroups/cpu,namespaces/pid"});
  EXPECT_EQ(posix.exitCode(), 1);
  EXPECT_NE(posix.err.find("namespaces/pid needs --launcher=linux"), std::string::npos)
      << posix.err;
}

TEST(AgentFlags, FlagsThisBuildDoesNotHonourAreRefusedUnlessDefault) {
  WorkDir dir;
  auto recovery = run({agentPath(), "--work_dir=" + dir.path(), "--recovery_timeout=5mins"});
  EXPECT_EQ(recovery.exitCode(), 1);
  EXPECT_NE(recovery.err.find("--recovery_timeout=5mins is not supported"), std::string::npos)
      << recovery.err;

  // Authentication is built: its flags are checked, not refused.
  auto authenticate = run({masterPath(), "--registry=in_memory", "--authenticate_frameworks"});
  EXPECT_EQ(authenticate.exitCode(), 1);
  EXPECT_NE(authenticate.err.find("--authenticate_frameworks needs --credentials"),
            std::string::npos)
      << authenticate.err;
  auto credentials =
      run({masterPath(), "--registry=in_memory", "--credentials=/nonexistent/credentials"});
  EXPECT_EQ(credentials.exitCode(), 1);
  EXPECT_NE(credentials.err.find("--credentials: cannot read /nonexistent/credentials"),
            std::string::npos)
      << credentials.err;
  // Mesos's SASL machinery is not: refused by name.
  auto sasl = run({agentPath(), "--work_dir=" + dir.path(), "--authenticatee=crammd5"});
  EXPECT_EQ(sasl.exitCode(), 1);
  EXPECT_NE(sasl.err.find("--authenticatee"), std::string::npos) << sasl.err;
}

TEST(AgentFlags, DockerBesideMesosStartsWithAWarningAndAloneIsRefused) {
  WorkDir dir;
  auto alone = run({agentPath(), "--work_dir=" + dir.path(), "--containerizers=docker"});
  EXPECT_EQ(alone.exitCode(), 1);
  EXPECT_NE(alone.err.find("no mesos containerizer"), std::string::npos) << alone.err;
  auto typo = run({agentPath(), "--work_dir=" + dir.path(), "--containerizers=mesos,dokcer"});
  EXPECT_EQ(typo.exitCode(), 1);
  EXPECT_NE(typo.err.find("unknown containerizer 'dokcer'"), std::string::npos) << typo.err;
}

TEST(AgentFlags, UnbuiltIsolatorsStopTheAgentByNameWithWhyAndWhatInstead) {
  WorkDir dir;
  auto cni = run({agentPath(), "--work_dir=" + dir.path(), "--isolation=network/cni"});
  EXPECT_EQ(cni.exitCode(), 1);
  EXPECT_NE(cni.err.find("Mesos's isolator 'network/cni' is not supported: CNI networks are not "
                         "built; tasks share the host's network"),
            std::string::npos)
      << cni.err;
  auto xfs = run({agentPath(), "--work_dir=" + dir.path(), "--isolation=disk/xfs"});
  EXPECT_EQ(xfs.exitCode(), 1);
  EXPECT_NE(xfs.err.find("use disk/du with --enforce_container_disk_quota"), std::string::npos)
      << xfs.err;
  auto unknown = run({agentPath(), "--work_dir=" + dir.path(), "--isolation=cgroups/cpu,bogus/x"});
  EXPECT_EQ(unknown.exitCode(), 1);
  EXPECT_NE(unknown.err.find("unknown isolator 'bogus/x'"), std::string::npos) << unknown.err;
}

TEST(AgentFlags, DiskQuotaFlagsWithoutDiskDuAreRefused) {
  WorkDir dir;
  auto enforce = run({agentPath(), "--work_dir=" + dir.path(), "--enforce_container_disk_quota"});
  EXPECT_EQ(enforce.exitCode(), 1);
  EXPECT_NE(enforce.err.find("--enforce_container_disk_quota needs disk/du"), std::string::npos)
      << enforce.err;
  auto interval =
      run({agentPath(), "--work_dir=" + dir.path(), "--container_disk_watch_interval=5secs"});
  EXPECT_EQ(interval.exitCode(), 1);
  EXPECT_NE(interval.err.find("--container_disk_watch_interval: only disk/du"), std::string::npos)
      << interval.err;
}

TEST(AgentFlags, QuietWithALogDirLogsToTheFileAlone) {
  WorkDir dir;
  auto quiet = run({agentPath(), "--work_dir=" + dir.path(), "--log_dir=" + dir.path(), "--quiet",
                    "--isolation=bogus/x"});
  EXPECT_EQ(quiet.exitCode(), 1);
  EXPECT_EQ(quiet.err.find("bogus/x"), std::string::npos) << quiet.err;
  std::ifstream file(dir.path() + "/mesos-agent.log");
  const std::string logged((std::istreambuf_iterator<char>(file)), {});
  EXPECT_NE(logged.find("unknown isolator 'bogus/x'"), std::string::npos) << logged;
}

// The flag names of Mesos 1.11's configuration documentation (agent.md, master.md and
// master-and-agent.md; --help and --version left out), one per line.
std::vector<std::string> mesosFlags(const std::string& daemon) {
  std::ifstream file(std::string(std::getenv("MESOLITE_MESOS_FLAGS")) + "/mesos-1.11-" + daemon +
                     "-flags.txt");
  std::vector<std::string> names;
  for (std::string line; std::getline(file, line);) {
    if (!line.empty()) names.push_back(line);
  }
  return names;
}

// Every flag of Mesos's documentation is either in --help (built) or refused at start with
// the flag's name, why and what to do instead: never "unknown flag", never ignored.
void expectEveryMesosFlagBuiltOrRefused(const std::string& daemon, const std::string& program,
                                        std::vector<std::string> extra) {
  const auto names = mesosFlags(daemon);
  ASSERT_GT(names.size(), 50u) << "the list of Mesos's " << daemon << " flags is missing";
  const std::string help = run({program, "--help"}).out;
  size_t built = 0;
  size_t refused = 0;
  for (const std::string& name : names) {
    if (help.find("--" + name + "=VALUE") != std::string::npos ||
        help.find("--[no-]" + name + " ") != std::string::npos ||
        help.find("--[no-]" + name + "\n") != std::string::npos) {
      ++built;
      continue;
    }
    std::vector<std::string> argv = {program, "--" + name + "=1"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto result = run(argv);
    EXPECT_EQ(result.exitCode(), 1) << name;
    const std::string expected =
        "--" + name + " is a Mesos flag " + daemonName(program) + " does not support: ";
    const size_t at = result.err.find(expected);
    EXPECT_NE(at, std::string::npos) << result.err;
    // "why; what instead"
    if (at != std::string::npos) {
      EXPECT_NE(result.err.find("; ", at + expected.size()), std::string::npos) << result.err;
    }
    EXPECT_EQ(result.err.find("unknown flag"), std::string::npos) << result.err;
    ++refused;
  }
  // So that a test of nothing cannot pass: both kinds are there.
  EXPECT_GT(built, 20u);
  EXPECT_GT(refused, 20u);
  // The refusals are listed by --help too.
  EXPECT_NE(help.find("Mesos flags this program refuses at start"), std::string::npos) << help;
}

TEST(AgentFlags, EveryMesosAgentFlagIsBuiltOrRefusedWithWhyAndWhatInstead) {
  WorkDir dir;
  expectEveryMesosFlagBuiltOrRefused("agent", agentPath(), {"--work_dir=" + dir.path()});
}

TEST(MasterFlags, EveryMesosMasterFlagIsBuiltOrRefusedWithWhyAndWhatInstead) {
  expectEveryMesosFlagBuiltOrRefused("master", masterPath(), {"--registry=in_memory"});
}

TEST(AgentFlags, RefusedFlagsAreNamedFromTheEnvironmentAFileAndTheNegatedForm) {
  WorkDir dir;
  auto fromEnvironment = run({agentPath(), "--work_dir=" + dir.path()},
                             {{"MESOS_NETWORK_CNI_CONFIG_DIR", "/etc/cni"}});
  EXPECT_EQ(fromEnvironment.exitCode(), 1);
  EXPECT_NE(fromEnvironment.err.find("MESOS_NETWORK_CNI_CONFIG_DIR is a Mesos flag mesos-agent "
                                     "does not support: the network/cni isolator is not built"),
            std::string::npos)
      << fromEnvironment.err;

  const std::string file = dir.path() + "/image_providers";
  std::ofstream(file) << "docker\n";
  auto fromFile =
      run({agentPath(), "--work_dir=" + dir.path(), "--image_providers=file://" + file});
  EXPECT_EQ(fromFile.exitCode(), 1);
  EXPECT_NE(fromFile.err.find("--image_providers (from " + file + ") is a Mesos flag"),
            std::string::npos)
      << fromFile.err;

  auto negated = run({agentPath(), "--work_dir=" + dir.path(), "--no-http_command_executor"});
  EXPECT_EQ(negated.exitCode(), 1);
  EXPECT_NE(negated.err.find("--http_command_executor is a Mesos flag"), std::string::npos)
      << negated.err;

  // Unknown MESOS_* variables stay ignored, as in Mesos (they may be another program's).
  auto other = run({agentPath(), "--work_dir=" + dir.path(), "--isolation=bogus/x"},
                   {{"MESOS_NATIVE_JAVA_LIBRARY", "/usr/lib/libmesos.so"}});
  EXPECT_NE(other.err.find("unknown isolator 'bogus/x'"), std::string::npos) << other.err;
}

TEST(AgentFlags, DockerContainerizerFlagsWarnBesideDockerAndAreRefusedWithoutIt) {
  WorkDir dir;
  auto without = run({agentPath(), "--work_dir=" + dir.path(), "--docker_stop_timeout=30secs"});
  EXPECT_EQ(without.exitCode(), 1);
  EXPECT_NE(without.err.find("--docker_stop_timeout configures Mesos's Docker containerizer, "
                             "which is not built and not in --containerizers"),
            std::string::npos)
      << without.err;
  // Mesosphere's common configuration starts (here it stops later, at a bad isolator).
  auto beside =
      run({agentPath(), "--work_dir=" + dir.path(), "--containerizers=docker,mesos",
           "--docker_stop_timeout=30secs", "--docker_kill_orphans", "--isolation=bogus/x"});
  EXPECT_NE(beside.err.find("--docker_stop_timeout has no effect: the Docker containerizer is "
                            "not built"),
            std::string::npos)
      << beside.err;
  EXPECT_NE(beside.err.find("--docker_kill_orphans has no effect"), std::string::npos)
      << beside.err;
  EXPECT_NE(beside.err.find("unknown isolator 'bogus/x'"), std::string::npos) << beside.err;
}

TEST(MasterFlags, QuorumWithoutZooKeeperAndUnbuiltAllocatorsAreRefused) {
  auto quorum = run({masterPath(), "--registry=in_memory", "--quorum=1"});
  EXPECT_EQ(quorum.exitCode(), 1);
  EXPECT_NE(quorum.err.find("without --zk it has no effect"), std::string::npos) << quorum.err;
  auto allocator = run({masterPath(), "--registry=in_memory", "--allocator=MyAllocator"});
  EXPECT_EQ(allocator.exitCode(), 1);
  EXPECT_NE(allocator.err.find("'MyAllocator' is not built: only HierarchicalDRF"),
            std::string::npos)
      << allocator.err;
  auto sorter = run({masterPath(), "--registry=in_memory", "--role_sorter=random"});
  EXPECT_EQ(sorter.exitCode(), 1);
  EXPECT_NE(sorter.err.find("'random' is not built: only drf"), std::string::npos) << sorter.err;
}

TEST(MasterFlags, BadWeightsAreNamed) {
  auto weights = run({masterPath(), "--registry=in_memory", "--weights=ops=two"});
  EXPECT_EQ(weights.exitCode(), 1);
  EXPECT_NE(weights.err.find("ops=two"), std::string::npos) << weights.err;
}

TEST(MasterFlags, ZooKeeperNeedsAQuorumAndAValidUrl) {
  auto noQuorum = run({masterPath(), "--registry=in_memory", "--zk=zk://127.0.0.1:2181/mesos"});
  EXPECT_EQ(noQuorum.exitCode(), 1);
  EXPECT_NE(noQuorum.err.find("--quorum is needed with --zk"), std::string::npos) << noQuorum.err;
  auto badUrl =
      run({masterPath(), "--registry=in_memory", "--zk=zk://127.0.0.1:2181", "--quorum=1"});
  EXPECT_EQ(badUrl.exitCode(), 1);
  EXPECT_NE(badUrl.err.find("--zk"), std::string::npos) << badUrl.err;
  auto badRate = run({masterPath(), "--registry=in_memory", "--agent_removal_rate_limit=fast"});
  EXPECT_EQ(badRate.exitCode(), 1);
  EXPECT_NE(badRate.err.find("'fast' is not <agents>/<duration>"), std::string::npos)
      << badRate.err;
  auto badLimit =
      run({masterPath(), "--registry=in_memory", "--recovery_agent_removal_limit=150%"});
  EXPECT_EQ(badLimit.exitCode(), 1);
  EXPECT_NE(badLimit.err.find("150%"), std::string::npos) << badLimit.err;
}

// Starts a daemon on 127.0.0.1 with a free port and learns the port from its log.
struct RunningDaemon {
  std::unique_ptr<Subprocess> process;
  http::Endpoint endpoint;

  static RunningDaemon start(std::vector<std::string> argv, const std::string& logLine) {
    RunningDaemon daemon;
    daemon.process = std::make_unique<Subprocess>(std::move(argv));
    auto line = daemon.process->waitForLine(logLine, 20s);
    EXPECT_TRUE(line) << daemon.process->err();
    std::smatch match;
    if (line && std::regex_search(*line, match, std::regex(R"(127\.0\.0\.1:(\d+))"))) {
      daemon.endpoint = {"127.0.0.1", uint16_t(std::stoi(match[1]))};
    }
    return daemon;
  }
};

http::Response call(const http::Endpoint& endpoint, const std::string& path,
                    const std::string& contentType, const std::string& body,
                    const std::string& accept = "") {
  http::Request request{.method = "POST", .path = path, .body = body};
  request.headers["Content-Type"] = contentType;
  if (!accept.empty()) request.headers["Accept"] = accept;
  auto response = http::fetch(endpoint, request);
  EXPECT_TRUE(response) << response.error().message;
  return response ? *response : http::Response{};
}

TEST(Agent, ServesHealthFlagsVersionAndTheCommonOperatorCalls) {
  WorkDir dir;
  // Its own runtime dir and no cgroups: nothing of the host's is recovered or touched.
  auto agent = RunningDaemon::start(
      {agentPath(), "--work_dir=" + dir.path(), "--runtime_dir=" + dir.path() + "/run",
       "--isolation=posix/rlimits", "--ip=127.0.0.1", "--port=0", "--resources=cpus:2;mem:1024",
       "--launcher_dir=" + std::string(std::getenv("MESOLITE_LAUNCHER_DIR"))},
      "agent listening on");
  ASSERT_NE(agent.endpoint.port, 0);

  auto health = http::fetch(agent.endpoint, {.method = "GET", .path = "/health"});
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);

  auto flags = http::fetch(agent.endpoint, {.method = "GET", .path = "/flags"});
  ASSERT_TRUE(flags);
  auto json = nlohmann::json::parse(flags->body);
  EXPECT_EQ(json["flags"]["work_dir"], dir.path());
  EXPECT_EQ(json["flags"]["resources"], "cpus:2;mem:1024");

  auto version = http::fetch(agent.endpoint, {.method = "GET", .path = "/version"});
  ASSERT_TRUE(version);
  EXPECT_FALSE(nlohmann::json::parse(version->body)["version"].get<std::string>().empty());

  // JSON in, JSON out.
  auto jsonHealth = call(agent.endpoint, "/api/v1", "application/json", R"({"type":"GET_HEALTH"})");
  EXPECT_EQ(jsonHealth.status, 200);
  EXPECT_EQ(nlohmann::json::parse(jsonHealth.body),
            nlohmann::json::parse(R"({"type":"GET_HEALTH","get_health":{"healthy":true}})"));

  // Protobuf in, protobuf out.
  mesos::v1::agent::Call getFlags;
  getFlags.set_type(mesos::v1::agent::Call::GET_FLAGS);
  auto protobuf = call(agent.endpoint, "/api/v1", "application/x-protobuf",
                       getFlags.SerializeAsString(), "application/x-protobuf");
  EXPECT_EQ(protobuf.status, 200);
  mesos::v1::agent::Response response;
  ASSERT_TRUE(response.ParseFromString(protobuf.body));
  EXPECT_EQ(response.type(), mesos::v1::agent::Response::GET_FLAGS);
  bool sawWorkDir = false;
  for (const auto& flag : response.get_flags().flags()) {
    sawWorkDir |= flag.name() == "work_dir" && flag.value() == dir.path();
  }
  EXPECT_TRUE(sawWorkDir);

  // Bad input gets 4xx with a message; the agent stays up.
  auto malformed = call(agent.endpoint, "/api/v1", "application/json", R"({"type":)");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_NE(malformed.body.find("parse"), std::string::npos) << malformed.body;
  auto unknownType = call(agent.endpoint, "/api/v1", "application/json", R"({"type":"FLY"})");
  EXPECT_EQ(unknownType.status, 400);
  EXPECT_NE(unknownType.body.find("FLY"), std::string::npos) << unknownType.body;
  auto wrongMedia = call(agent.endpoint, "/api/v1", "text/plain", "GET_HEALTH");
  EXPECT_EQ(wrongMedia.status, 415);

  auto stillHealthy = http::fetch(agent.endpoint, {.method = "GET", .path = "/health"});
  ASSERT_TRUE(stillHealthy);
  EXPECT_EQ(stillHealthy->status, 200);

  auto status = agent.process->stop(SIGTERM, 10s);
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << agent.process->err();
}

// From the build tree the agent finds mesos-containerizer beside it without
// --launcher_dir; a missing or non-executable helper stops it at start.
TEST(Agent, FindsItsHelperBesideItAndRefusesAMissingOrNonExecutableOne) {
  WorkDir dir;
  auto agent = RunningDaemon::start(
      {agentPath(), "--work_dir=" + dir.path(), "--runtime_dir=" + dir.path() + "/run",
       "--isolation=posix/rlimits", "--ip=127.0.0.1", "--port=0"},
      "agent listening on");
  ASSERT_NE(agent.endpoint.port, 0);
  auto flags = http::fetch(agent.endpoint, {.method = "GET", .path = "/flags"});
  ASSERT_TRUE(flags);
  EXPECT_EQ(nlohmann::json::parse(flags->body)["flags"]["launcher_dir"],
            std::string(std::getenv("MESOLITE_LAUNCHER_DIR")));

  const std::string empty = dir.path() + "/helpers";
  std::filesystem::create_directories(empty);
  auto missing =
      run({agentPath(), "--work_dir=" + dir.path(), "--runtime_dir=" + dir.path() + "/run",
           "--isolation=posix/rlimits", "--launcher_dir=" + empty});
  EXPECT_EQ(missing.exitCode(), 1);
  EXPECT_NE(missing.err.find(empty + "/mesos-containerizer"), std::string::npos) << missing.err;

  std::filesystem::copy_file(
      std::string(std::getenv("MESOLITE_LAUNCHER_DIR")) + "/mesos-containerizer",
      empty + "/mesos-containerizer");
  std::filesystem::permissions(empty + "/mesos-containerizer", std::filesystem::perms(0644));
  auto unexecutable =
      run({agentPath(), "--work_dir=" + dir.path(), "--runtime_dir=" + dir.path() + "/run",
           "--isolation=posix/rlimits", "--launcher_dir=" + empty});
  EXPECT_EQ(unexecutable.exitCode(), 1);
  EXPECT_NE(unexecutable.err.find("is not an executable file"), std::string::npos)
      << unexecutable.err;
}

http::Response get(const http::Endpoint& endpoint, const std::string& target) {
  auto response = http::fetch(endpoint, {.method = "GET", .path = target});
  EXPECT_TRUE(response) << target << ": " << response.error().message;
  return response ? *response : http::Response{};
}

TEST(Agent, ServesMesosPathsAndJsonp) {
  WorkDir dir;
  auto agent = RunningDaemon::start(
      {agentPath(), "--work_dir=" + dir.path(), "--runtime_dir=" + dir.path() + "/run",
       "--isolation=posix/rlimits", "--ip=127.0.0.1", "--port=0", "--resources=cpus:2;mem:1024",
       "--launcher_dir=" + std::string(std::getenv("MESOLITE_LAUNCHER_DIR"))},
      "agent listening on");
  ASSERT_NE(agent.endpoint.port, 0);
  for (const std::string path :
       {"/state", "/state.json", "/slave(1)/state", "/slave(1)/state.json", "/slave(1)/flags",
        "/slave(1)/health", "/slave(1)/monitor/statistics", "/monitor/statistics.json",
        "/slave(1)/monitor/statistics.json"}) {
    EXPECT_EQ(get(agent.endpoint, path).status, 200) << path;
  }
  EXPECT_EQ(call(agent.endpoint, "/slave(1)/api/v1", "application/json", R"({"type":"GET_HEALTH"})")
                .status,
            200);

  auto wrapped = get(agent.endpoint, "/slave(1)/state?jsonp=angular.callbacks._1");
  EXPECT_EQ(wrapped.status, 200);
  EXPECT_EQ(wrapped.headers["Content-Type"], "text/javascript");
  ASSERT_GT(wrapped.body.size(), 30u);
  EXPECT_EQ(wrapped.body.rfind("angular.callbacks._1({", 0), 0u) << wrapped.body.substr(0, 40);
  EXPECT_EQ(wrapped.body.substr(wrapped.body.size() - 3), "});");
  // The callback is written into the answer as code: anything but a name is refused.
  auto injected = get(agent.endpoint, "/state?jsonp=alert(1)//");
  EXPECT_EQ(injected.status, 400);
  EXPECT_NE(injected.body.find("invalid jsonp callback"), std::string::npos) << injected.body;
}

TEST(Master, StoresTheReplicatedLogRegistryInItsWorkDir) {
  WorkDir dir;
  auto master =
      RunningDaemon::start({masterPath(), "--work_dir=" + dir.path(), "--ip=127.0.0.1", "--port=0"},
                           "master listening on");
  EXPECT_NE(master.process->err().find("registry in " + dir.path() + "/registry/registry.pb"),
            std::string::npos)
      << master.process->err();
}

TEST(Daemons, LogLinesReachTheFileAtOnceUnlessLogbufsecsLetsThemWait) {
  WorkDir dir;
  std::filesystem::create_directories(dir.path() + "/now");
  std::filesystem::create_directories(dir.path() + "/later");
  const auto logged = [&](const std::string& sub) {
    std::ifstream file(dir.path() + "/" + sub + "/mesos-master.log");
    return std::string((std::istreambuf_iterator<char>(file)), {});
  };
  auto now = RunningDaemon::start({masterPath(), "--registry=in_memory", "--ip=127.0.0.1",
                                   "--port=0", "--log_dir=" + dir.path() + "/now"},
                                  "master listening on");
  EXPECT_NE(logged("now").find("master listening on"), std::string::npos);
  auto later =
      RunningDaemon::start({masterPath(), "--registry=in_memory", "--ip=127.0.0.1", "--port=0",
                            "--log_dir=" + dir.path() + "/later", "--logbufsecs=3600"},
                           "master listening on");
  EXPECT_EQ(logged("later").find("master listening on"), std::string::npos);
  // Written at exit all the same.
  ASSERT_TRUE(later.process->stop(SIGTERM, 10s));
  EXPECT_NE(logged("later").find("master listening on"), std::string::npos);
}

TEST(Master, ServesHealthVersionAndTheCommonOperatorCalls) {
  auto master = RunningDaemon::start(
      {masterPath(), "--registry=in_memory", "--ip=127.0.0.1", "--port=0"}, "master listening on");
  ASSERT_NE(master.endpoint.port, 0);

  auto version = call(master.endpoint, "/api/v1", "application/json", R"({"type":"GET_VERSION"})");
  EXPECT_EQ(version.status, 200);
  auto json = nlohmann::json::parse(version.body);
  EXPECT_EQ(json["type"], "GET_VERSION");
  EXPECT_FALSE(json["get_version"]["version_info"]["version"].get<std::string>().empty());

  auto flags = http::fetch(master.endpoint, {.method = "GET", .path = "/flags"});
  ASSERT_TRUE(flags);
  EXPECT_EQ(nlohmann::json::parse(flags->body)["flags"]["allocation_interval"], "1secs");

  auto status = master.process->stop(SIGTERM, 10s);
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << master.process->err();
}

// systemd's side of sd_notify: a datagram socket the daemon is told about in
// $NOTIFY_SOCKET, as a Type=notify unit has.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::snprintf(address.sun_path, sizeof(address.sun_path), "%s", path.c_str());
    bound_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  }
  ~NotifySocket() { ::close(fd_); }
  bool ok() const { return fd_ >= 0 && bound_; }
  // The next message, or "" after `timeout`.
  std::string next(std::chrono::milliseconds timeout) {
    pollfd ready{fd_, POLLIN, 0};
    if (::poll(&ready, 1, int(timeout.count())) != 1) return "";
    char buffer[4096];
    const ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
    return n > 0 ? std::string(buffer, size_t(n)) : "";
  }

 private:
  std::string path_;
  int fd_ = -1;
  bool bound_ = false;
};

TEST(Daemons, TellSystemdTheyAreReadyOnceTheyServeAndPingTheWatchdogFromTheirLoop) {
  WorkDir dir;
  NotifySocket systemd(dir.path() + "/notify");
  ASSERT_TRUE(systemd.ok());
  Subprocess master({masterPath(), "--ip=127.0.0.1", "--port=0", "--registry=in_memory"},
                    {{"NOTIFY_SOCKET", dir.path() + "/notify"}, {"WATCHDOG_USEC", "200000"}});
  const std::string ready = systemd.next(10s);
  ASSERT_NE(ready.find("READY=1"), std::string::npos) << "got '" << ready << "'";
  std::smatch port;
  ASSERT_TRUE(std::regex_search(ready, port, std::regex(R"(127\.0\.0\.1:(\d+))"))) << ready;
  // Ready means serving: the port the status names answers at once.
  http::Endpoint endpoint{"127.0.0.1", uint16_t(std::stoi(port[1]))};
  auto health = http::fetch(endpoint, http::Request{.method = "GET", .path = "/health"});
  ASSERT_TRUE(health) << health.error().message;
  EXPECT_EQ(health->status, 200);
  // WatchdogSec=0.2s: pings every 100 ms from the event loop.
  int pings = 0;
  const auto until = std::chrono::steady_clock::now() + 1s;
  while (std::chrono::steady_clock::now() < until) {
    if (systemd.next(300ms).find("WATCHDOG=1") != std::string::npos) ++pings;
  }
  EXPECT_GE(pings, 5) << "watchdog pings in 1 s";
  master.stop(SIGTERM, 10s);
  std::string last;
  for (std::string message = systemd.next(2s); !message.empty(); message = systemd.next(500ms))
    last = message;
  EXPECT_NE(last.find("STOPPING=1"), std::string::npos) << "last message '" << last << "'";
}

}  // namespace
}  // namespace mesolite
