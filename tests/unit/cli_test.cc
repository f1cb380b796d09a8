// The clients' pure logic: mesos-execute's flags, task and offer matching, the status
// lines, `mesos ps`'s table and how `mesos` finds its commands.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "cli/commands.h"
#include "cli/execute.h"
#include "cli/ps.h"
#include "common/credentials.h"
#include "common/protobuf_json.h"
#include "common/resources.h"

namespace mesolite::cli {
namespace {

using ::testing::HasSubstr;

Result<ExecuteConfig> configFrom(std::vector<std::string> args) {
  ExecuteFlags flags;
  if (auto loaded = flags.set.load(args, {}); !loaded) return loaded.error();
  return buildConfig(flags, "alice");
}

std::string errorOf(std::vector<std::string> args) {
  auto config = configFrom(std::move(args));
  return config ? std::string("(no error)") : config.error().message;
}

TEST(ExecuteFlags, AcceptsAZooKeeperMaster) {
  auto config = configFrom({"--master=zk://h1:2181,h2:2181/mesos", "--name=t", "--command=true"});
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->master, "zk://h1:2181,h2:2181/mesos");
}

TEST(ExecuteFlags, DefaultsLikeMesos) {
  auto config = configFrom({"--master=127.0.0.1:5050", "--name=t", "--command=sleep 1"});
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->master, "127.0.0.1:5050");
  EXPECT_EQ(config->contentType, api::ContentType::kProtobuf);
  EXPECT_FALSE(config->killAfter);

  const auto& framework = config->framework;
  EXPECT_EQ(framework.user(), "alice");
  EXPECT_EQ(framework.name(), "mesos-execute instance");
  ASSERT_EQ(framework.roles_size(), 1);
  EXPECT_EQ(framework.roles(0), "*");
  EXPECT_FALSE(framework.checkpoint());
  std::set<std::string> capabilities;
  for (const auto& c : framework.capabilities())
    capabilities.insert(mesos::v1::FrameworkInfo::Capability::Type_Name(c.type()));
  EXPECT_EQ(capabilities,
            (std::set<std::string>{"MULTI_ROLE", "RESERVATION_REFINEMENT", "TASK_KILLING_STATE",
                                   "REVOCABLE_RESOURCES", "PARTITION_AWARE"}));

  const auto& task = config->task;
  EXPECT_EQ(task.name(), "t");
  EXPECT_EQ(task.task_id().value(), "t");
  EXPECT_TRUE(task.command().shell());
  EXPECT_EQ(task.command().value(), "sleep 1");
  auto resources = Resources::fromProtos(task.resources());
  ASSERT_TRUE(resources);
  EXPECT_EQ(resources->cpus(), 1.0);
  EXPECT_EQ(resources->mem(), 128.0);
}

TEST(ExecuteFlags, AllFlags) {
  auto config = configFrom(
      {"--master=http://master.example:5051", "--name=job", "--command=/bin/echo hi there",
       "--no-shell", "--resources=cpus:0.5;mem:64;ports:[31000-31001]",
       "--env={\"A\":\"1\",\"B\":\"two\"}", "--checkpoint", "--kill_after=10secs",
       "--role=dev/team", "--content_type=json", "--framework_name=fw", "--no-partition_aware",
       "--principal=p", "--framework_capabilities=GPU_RESOURCES"});
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->master, "http://master.example:5051");
  EXPECT_EQ(config->contentType, api::ContentType::kJson);
  EXPECT_EQ(config->killAfter->seconds(), 10);
  EXPECT_EQ(config->framework.roles(0), "dev/team");
  EXPECT_EQ(config->framework.name(), "fw");
  EXPECT_EQ(config->framework.principal(), "p");
  EXPECT_TRUE(config->framework.checkpoint());
  bool partitionAware = false, gpu = false;
  for (const auto& c : config->framework.capabilities()) {
    partitionAware |= c.type() == mesos::v1::FrameworkInfo::Capability::PARTITION_AWARE;
    gpu |= c.type() == mesos::v1::FrameworkInfo::Capability::GPU_RESOURCES;
  }
  EXPECT_FALSE(partitionAware);
  EXPECT_TRUE(gpu);

  const auto& command = config->task.command();
  EXPECT_FALSE(command.shell());
  EXPECT_EQ(command.value(), "/bin/echo");
  EXPECT_THAT(std::vector<std::string>(command.arguments().begin(), command.arguments().end()),
              ::testing::ElementsAre("/bin/echo", "hi", "there"));
  ASSERT_EQ(command.environment().variables_size(), 2);
  EXPECT_EQ(command.environment().variables(0).name(), "A");
  EXPECT_EQ(command.environment().variables(1).value(), "two");
  auto resources = Resources::fromProtos(config->task.resources());
  ASSERT_TRUE(resources);
  EXPECT_EQ(resources->cpus(), 0.5);
  EXPECT_TRUE(resources->ports());
}

TEST(ExecuteFlags, ResourcesAsJson) {
  auto config =
      configFrom({"--master=h:1", "--name=t", "--command=true",
                  R"(--resources=[{"name":"cpus","type":"SCALAR","scalar":{"value":2}}])"});
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(Resources::fromProtos(config->task.resources())->cpus(), 2.0);
}

TEST(ExecuteFlags, ContainerFlagsBuildTheTasksContainerInfo) {
  auto config = configFrom(
      {"--master=h:1", "--name=t", "--command=true",
       R"(--effective_capabilities={"capabilities": ["NET_RAW", "CHOWN"]})",
       R"(--bounding_capabilities={"capabilities": ["NET_RAW"]})",
       R"(--rlimits={"rlimits": [{"type": "RLMT_CPU", "soft": 1, "hard": 2}, {"type": "RLMT_FSIZE"}]})",
       "--networks=net1, net2"});
  ASSERT_TRUE(config) << config.error().message;
  const auto& container = config->task.container();
  EXPECT_EQ(container.type(), mesos::v1::ContainerInfo::MESOS);
  ASSERT_EQ(container.linux_info().effective_capabilities().capabilities_size(), 2);
  EXPECT_EQ(container.linux_info().effective_capabilities().capabilities(0),
            mesos::v1::CapabilityInfo::NET_RAW);
  EXPECT_EQ(container.linux_info().bounding_capabilities().capabilities_size(), 1);
  ASSERT_EQ(container.rlimit_info().rlimits_size(), 2);
  EXPECT_EQ(container.rlimit_info().rlimits(0).type(), mesos::v1::RLimitInfo::RLimit::RLMT_CPU);
  EXPECT_EQ(container.rlimit_info().rlimits(0).soft(), 1u);
  EXPECT_EQ(container.rlimit_info().rlimits(0).hard(), 2u);
  EXPECT_FALSE(container.rlimit_info().rlimits(1).has_soft());
  ASSERT_EQ(container.network_infos_size(), 2);
  EXPECT_EQ(container.network_infos(1).name(), "net2");

  auto plain = configFrom({"--master=h:1", "--name=t", "--command=true"});
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->task.has_container());

  EXPECT_THAT(errorOf({"--master=h:1", "--name=t", "--command=true", "--rlimits={bad"}),
              HasSubstr("--rlimits"));
  EXPECT_THAT(errorOf({"--master=h:1", "--name=t", "--command=true",
                       R"(--effective_capabilities={"capabilities": ["NO_SUCH_CAP"]})"}),
              HasSubstr("--effective_capabilities"));
  EXPECT_THAT(errorOf({"--master=h:1", "--name=t", "--command=true", "--networks=a,,b"}),
              HasSubstr("--networks"));
  EXPECT_THAT(errorOf({"--master=h:1", "--name=t", "--command=true", "--containerizer=docker"}),
              HasSubstr("--containerizer: 'docker' is not built"));
  EXPECT_THAT(errorOf({"--master=h:1", "--task={\"name\":\"x\"}", "--networks=n"}),
              HasSubstr("--task cannot be combined with"));
  // Mesos's flags for what is not built are refused by name, with what to do instead.
  for (const std::string flag :
       {"--docker_image=alpine", "--appc_image=x", "--volumes=[]", "--task_group={}", "--tty"}) {
    const std::string error = errorOf({"--master=h:1", "--name=t", "--command=true", flag});
    EXPECT_THAT(error, HasSubstr(flag.substr(0, flag.find('='))));
    EXPECT_THAT(error, HasSubstr("not"));
  }
}

TEST(ExecuteFlags, PrincipalAndSecretAuthenticateTheFramework) {
  EXPECT_THAT(errorOf({"--master=h:1", "--name=t", "--command=true", "--secret=s"}),
              HasSubstr("--secret needs --principal"));
  auto config = configFrom(
      {"--master=h:1", "--name=t", "--command=true", "--principal=alice", "--secret=s3"});
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->framework.principal(), "alice");
  EXPECT_EQ(config->authorization, basicAuthorization({"alice", "s3"}));
}

TEST(ExecuteFlags, ErrorsNameTheFlag) {
  EXPECT_THAT(errorOf({"--master=h:1", "--name=t", "--command=true", "--resources=cpus:x"}),
              HasSubstr("--resources"));
  EXPECT_THAT(errorOf({"--master=h:1", "--name=t", "--command=true", "--resources=;"}),
              HasSubstr("--resources"));
  EXPECT_THAT(errorOf({"--master=h:1", "--command=true", "--task={\"name\":\"x\"}"}),
              HasSubstr("--task cannot be combined with --command"));
  EXPECT_THAT(errorOf({"--master=h:1", "--name=t", "--command=true", "--content_type=xml"}),
              HasSubstr("--content_type"));
  EXPECT_THAT(errorOf({"--master=h:1", "--name=t", "--command=true", "--env={bad"}),
              HasSubstr("--env"));
  EXPECT_THAT(errorOf({"--master=h:1", "--name=t", "--command=true", "--env=[1]"}),
              HasSubstr("--env"));
  EXPECT_THAT(errorOf({"--master=h:1", "--name=t", "--command=true", "--env={\"A\":1}"}),
              HasSubstr("--env: the value of 'A'"));
  EXPECT_THAT(errorOf({"--master=zk://", "--name=t", "--command=true"}),
              HasSubstr("--master: 'zk://' names no ZooKeeper host"));
  EXPECT_THAT(errorOf({"--master=nohost", "--name=t", "--command=true"}), HasSubstr("--master"));
  EXPECT_THAT(errorOf({"--master=h:1", "--command=true"}), HasSubstr("--name"));
  EXPECT_THAT(errorOf({"--master=h:1", "--name=t"}), HasSubstr("--command"));
  EXPECT_THAT(errorOf({"--master=h:1", "--name=t", "--command=true", "--role=*/x"}),
              HasSubstr("--role"));
  EXPECT_THAT(
      errorOf({"--master=h:1", "--name=t", "--command=true", "--framework_capabilities=NOPE"}),
      HasSubstr("--framework_capabilities: unknown capability 'NOPE'"));
  EXPECT_THAT(errorOf({"--master=h:1", "--task={\"name\":\"x\"}"}), HasSubstr("--task"));
  EXPECT_THAT(errorOf({"--master=h:1", "--task=/nonexistent/task.json"}), HasSubstr("--task"));
  // Found by execute_flags_fuzz: resources that are all zero were accepted, and then no
  // offer ever matched (mesos-execute waited for ever). --resources=cpus:0 is refused too.
  EXPECT_THAT(errorOf({"--master=h:1",
                       "--task={\"name\":\"t\",\"task_id\":{\"value\":\"t\"},"
                       "\"command\":{\"value\":\"true\"},\"resources\":[{\"name\":\"cpus\","
                       "\"type\":\"SCALAR\",\"scalar\":{\"value\":0}}]}"}),
              HasSubstr("--task: the TaskInfo's resources are all empty"));
  EXPECT_THAT(errorOf({"--master=h:1", "--name=t", "--command=true", "--resources=cpus:0"}),
              HasSubstr("--resources: no resources given"));
  // FlagSet's own checks: a Duration that does not parse names the flag too.
  EXPECT_THAT(errorOf({"--master=h:1", "--name=t", "--command=true", "--kill_after=soon"}),
              HasSubstr("--kill_after"));
}

constexpr const char* kTaskJson = R"({
  "name": "from-json", "task_id": {"value": "tid"},
  "resources": [{"name": "cpus", "type": "SCALAR", "scalar": {"value": 0.1}},
                {"name": "mem", "type": "SCALAR", "scalar": {"value": 32}}],
  "command": {"value": "sleep 1000"}})";

TEST(ExecuteFlags, TaskFromJsonOrFile) {
  auto config = configFrom({"--master=h:1", std::string("--task=") + kTaskJson});
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->task.name(), "from-json");
  EXPECT_EQ(config->task.task_id().value(), "tid");

  char path[] = "/tmp/mesolite-task-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, kTaskJson, strlen(kTaskJson)), ssize_t(strlen(kTaskJson)));
  close(fd);
  for (std::string value : {std::string(path), "file://" + std::string(path)}) {
    auto fromFile = configFrom({"--master=h:1", "--task=" + value});
    ASSERT_TRUE(fromFile) << fromFile.error().message;
    EXPECT_EQ(fromFile->task.command().value(), "sleep 1000");
  }
  unlink(path);
}

mesos::v1::Offer offer(const std::string& resourcesJson, const std::string& role = "*") {
  mesos::v1::Offer offer;
  offer.mutable_id()->set_value("O1");
  offer.mutable_framework_id()->set_value("F1");
  offer.mutable_agent_id()->set_value("S1");
  offer.set_hostname("agent1");
  offer.mutable_allocation_info()->set_role(role);
  auto parsed = nlohmann::json::parse(resourcesJson);
  for (const auto& item : parsed) {
    auto* resource = offer.add_resources();
    EXPECT_TRUE(fromJson(item, resource));
    resource->mutable_allocation_info()->set_role(role);
  }
  return offer;
}

TEST(OfferMatching, TakesWhatTheTaskNeedsFromAFittingOffer) {
  auto config = configFrom({"--master=h:1", "--name=t", "--command=true",
                            "--resources=cpus:1;mem:128;ports:[31000-31000]"});
  ASSERT_TRUE(config);
  auto task =
      matchOffer(config->task, offer(R"([{"name":"cpus","type":"SCALAR","scalar":{"value":4}},
                                   {"name":"mem","type":"SCALAR","scalar":{"value":1024}},
                                   {"name":"ports","type":"RANGES","ranges":{"range":[{"begin":31000,"end":32000}]}}])"),
                 "*");
  ASSERT_TRUE(task);
  EXPECT_EQ(task->agent_id().value(), "S1");
  auto resources = Resources::fromProtos(task->resources());
  ASSERT_TRUE(resources) << resources.error().message;
  EXPECT_EQ(resources->cpus(), 1.0);
  EXPECT_EQ(resources->mem(), 128.0);
  ASSERT_EQ(resources->ports()->range_size(), 1);
  EXPECT_EQ(resources->ports()->range(0).begin(), 31000u);
  EXPECT_EQ(resources->ports()->range(0).end(), 31000u);
  for (const auto& r : task->resources())
    EXPECT_EQ(r.allocation_info().role(), "*") << r.name();
}

TEST(OfferMatching, RefusesAnOfferThatIsTooSmall) {
  auto config = configFrom({"--master=h:1", "--name=t", "--command=true"});
  ASSERT_TRUE(config);
  EXPECT_FALSE(matchOffer(config->task,
                          offer(R"([{"name":"cpus","type":"SCALAR","scalar":{"value":4}},
                                    {"name":"mem","type":"SCALAR","scalar":{"value":64}}])"),
                          "*"));
  EXPECT_FALSE(matchOffer(
      config->task, offer(R"([{"name":"mem","type":"SCALAR","scalar":{"value":1024}}])"), "*"));
}

TEST(OfferMatching, UsesTheRolesReservationFirst) {
  auto config = configFrom(
      {"--master=h:1", "--name=t", "--command=true", "--role=dev", "--resources=cpus:2;mem:128"});
  ASSERT_TRUE(config);
  auto task = matchOffer(config->task,
                         offer(R"([{"name":"cpus","type":"SCALAR","scalar":{"value":4}},
                {"name":"cpus","type":"SCALAR","scalar":{"value":1},
                 "reservations":[{"type":"STATIC","role":"dev"}]},
                {"name":"mem","type":"SCALAR","scalar":{"value":512}}])",
                               "dev"),
                         "dev");
  ASSERT_TRUE(task);
  double reserved = 0, unreserved = 0;
  for (const auto& r : task->resources()) {
    EXPECT_EQ(r.allocation_info().role(), "dev");
    if (r.name() != "cpus") continue;
    (r.reservations_size() > 0 ? reserved : unreserved) += r.scalar().value();
  }
  EXPECT_EQ(reserved, 1.0);
  EXPECT_EQ(unreserved, 1.0);
}

TEST(ExecuteStatus, MesosStyleLines) {
  mesos::v1::TaskStatus status;
  status.mutable_task_id()->set_value("cluster-test");
  status.set_state(mesos::v1::TASK_FAILED);
  status.set_message("Command exited with status 1");
  status.set_source(mesos::v1::TaskStatus::SOURCE_EXECUTOR);
  status.set_reason(mesos::v1::TaskStatus::REASON_COMMAND_EXECUTOR_FAILED);
  EXPECT_EQ(formatStatus(status),
            "Received status update TASK_FAILED for task 'cluster-test'\n"
            "  message: 'Command exited with status 1'\n"
            "  source: SOURCE_EXECUTOR\n"
            "  reason: REASON_COMMAND_EXECUTOR_FAILED\n");
  status.Clear();
  status.mutable_task_id()->set_value("t");
  status.set_state(mesos::v1::TASK_RUNNING);
  EXPECT_EQ(formatStatus(status), "Received status update TASK_RUNNING for task 't'\n");

  EXPECT_TRUE(isTerminal(mesos::v1::TASK_FINISHED));
  EXPECT_TRUE(isTerminal(mesos::v1::TASK_GONE));
  EXPECT_FALSE(isTerminal(mesos::v1::TASK_RUNNING));
  EXPECT_FALSE(isTerminal(mesos::v1::TASK_UNREACHABLE));
}

constexpr const char* kState = R"({
  "frameworks": [
    {"id": "F1", "name": "mesos-execute instance", "user": "root",
     "tasks": [
       {"id": "web", "name": "web", "framework_id": "F1", "executor_id": "", "slave_id": "S1",
        "state": "TASK_RUNNING", "resources": {"cpus": 1, "mem": 128, "disk": 0}},
       {"id": "batch-job-with-a-long-name", "name": "batch-job-with-a-long-name",
        "framework_id": "F1", "executor_id": "", "slave_id": "S2", "state": "TASK_STAGING",
        "resources": {"cpus": 0.5, "mem": 64}}
     ]},
    {"id": "F2", "name": "fw2", "user": "bob", "tasks": []}
  ],
  "slaves": [
    {"id": "S1", "hostname": "agent1.example", "pid": "slave(1)@10.0.0.1:5051"},
    {"id": "S2", "hostname": "agent2.example", "port": 5052},
    {"id": "S3", "hostname": "idle.example", "pid": "slave(1)@10.0.0.3:5051"}
  ]
})";

TEST(Ps, AgentsAndTheirAddresses) {
  auto state = nlohmann::json::parse(kState);
  auto agents = agentsWithTasks(state);
  ASSERT_EQ(agents.size(), 2u);
  EXPECT_EQ(agents.at("S1").toString(), "10.0.0.1:5051");
  EXPECT_EQ(agents.at("S2").toString(), "agent2.example:5052");
}

TEST(Ps, Table) {
  auto state = nlohmann::json::parse(kState);
  std::map<std::string, nlohmann::json> statistics;
  statistics["S1"] = nlohmann::json::parse(R"([
    {"executor_id": "web", "framework_id": "F1", "source": "web",
     "statistics": {"cpus_limit": 1.1, "cpus_user_time_secs": 61.5,
                    "cpus_system_time_secs": 1.25, "mem_rss_bytes": 10485760,
                    "mem_limit_bytes": 167772160, "timestamp": 1.0}}])");
  // S2 did not answer: allocated values and '-'.
  EXPECT_EQ(
      formatPsTable(state, statistics),
      "USER    FRAMEWORK    TASK      SLAVE              MEM                TIME              "
      "CPU (allocated)\n"
      "root    mesos-exe... web       agent1.example     10.0 MB/160.0 MB   00:01:02.750000   "
      "1.1\n"
      "root    mesos-exe... batch-... agent2.example     -/64.0 MB          -                 "
      "0.5\n");
  EXPECT_EQ(
      formatPsTable(nlohmann::json::object(), {}),
      "USER    FRAMEWORK    TASK      SLAVE              MEM                TIME              "
      "CPU (allocated)\n");
}

TEST(Ps, Formats) {
  EXPECT_EQ(formatDataSize(512), "512.0 B");
  EXPECT_EQ(formatDataSize(1536), "1.5 KB");
  EXPECT_EQ(formatDataSize(3.0 * 1024 * 1024 * 1024), "3.0 GB");
  EXPECT_EQ(formatCpuTime(3661.5), "01:01:01.500000");
  EXPECT_EQ(parseTimeout("2.5")->seconds(), 2.5);
  EXPECT_EQ(parseTimeout("5secs")->seconds(), 5);
  EXPECT_FALSE(parseTimeout("soon"));
  EXPECT_FALSE(parseTimeout("0"));
}

TEST(Commands, FoundBesideThenOnPath) {
  namespace fs = std::filesystem;
  fs::path root = fs::temp_directory_path() / ("mesolite-cmds-" + std::to_string(getpid()));
  fs::create_directories(root / "self");
  fs::create_directories(root / "path");
  auto touch = [](const fs::path& file, bool executable) {
    std::ofstream(file) << "#!/bin/sh\n";
    chmod(file.c_str(), executable ? 0755 : 0644);
  };
  touch(root / "self" / "mesos-ps", true);
  touch(root / "path" / "mesos-ps", true);
  touch(root / "path" / "mesos-tail", true);
  touch(root / "path" / "mesos-notes", false);

  auto dirs = commandDirectories((root / "self").string(), (root / "path").string() + "::/x");
  EXPECT_EQ(dirs, (std::vector<std::string>{(root / "self").string(), (root / "path").string(), ".",
                                            "/x"}));
  EXPECT_EQ(findCommand("ps", dirs), (root / "self" / "mesos-ps").string());
  EXPECT_EQ(findCommand("tail", dirs), (root / "path" / "mesos-tail").string());
  EXPECT_FALSE(findCommand("notes", dirs));
  EXPECT_FALSE(findCommand("../path/mesos-ps", dirs));
  EXPECT_EQ(listCommands(dirs), (std::vector<std::string>{"ps", "tail"}));
  fs::remove_all(root);
}

}  // namespace
}  // namespace mesolite::cli
