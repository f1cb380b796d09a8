// Nothing a framework sets is silently ignored: every field of TaskInfo, CommandInfo,
// ContainerInfo, LinuxInfo and NetworkInfo is either carried out (each has its own
// test, named below) or refused naming the field, as the agent reports it (TASK_ERROR,
// or TASK_FAILED with REASON_CONTAINER_LAUNCH_FAILED). A field added to the protos
// fails EveryFieldIsAccountedFor until it is classified here.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <set>

#include "tests/support/agent_with_master.h"
#include "tests/support/fake_master.h"

namespace mesolite {
namespace {

using namespace std::chrono_literals;
using testing::framework;
using testing::task;
using AgentWithMaster = testing::AgentWithMaster;

// Where each field carried out is proven; "refused" for those the agent refuses.
const std::map<std::string, std::string>& classification() {
  static const std::map<std::string, std::string> fields = {
      {"mesos.v1.TaskInfo.name", "every task test"},
      {"mesos.v1.TaskInfo.task_id", "every task test"},
      {"mesos.v1.TaskInfo.agent_id", "every task test"},
      {"mesos.v1.TaskInfo.resources", "cgroups tests, ResourceLimits"},
      {"mesos.v1.TaskInfo.executor", "refused"},
      {"mesos.v1.TaskInfo.command", "every task test"},
      {"mesos.v1.TaskInfo.container", "hardening, user_namespace, agent_containers"},
      {"mesos.v1.TaskInfo.health_check", "health_checks"},
      {"mesos.v1.TaskInfo.check", "health_checks"},
      {"mesos.v1.TaskInfo.kill_policy", "agent_master KilledTask..., cluster KillAfter..."},
      {"mesos.v1.TaskInfo.data", "refused"},
      {"mesos.v1.TaskInfo.labels", "shown in state: cluster LegacyJsonHasMesossShape"},
      {"mesos.v1.TaskInfo.discovery", "shown in state: cluster LegacyJsonHasMesossShape"},
      {"mesos.v1.TaskInfo.max_completion_time", "agent_master MaxCompletionTime..."},
      {"mesos.v1.TaskInfo.limits", "resource_limits"},
      {"mesos.v1.CommandInfo.uris", "fetcher"},
      {"mesos.v1.CommandInfo.environment", "agent_master TasksGetMesosEnvironment..."},
      {"mesos.v1.CommandInfo.shell", "agent_containers, launcher"},
      {"mesos.v1.CommandInfo.value", "every task test"},
      {"mesos.v1.CommandInfo.arguments", "agent_containers, launcher"},
      {"mesos.v1.CommandInfo.user", "hardening, health_checks (runs as nobody)"},
      {"mesos.v1.ContainerInfo.type", "MESOS; DOCKER refused (below)"},
      {"mesos.v1.ContainerInfo.volumes", "refused"},
      {"mesos.v1.ContainerInfo.hostname", "agent_containers (namespaces/uts)"},
      {"mesos.v1.ContainerInfo.docker", "refused"},
      {"mesos.v1.ContainerInfo.mesos", "refused (image)"},
      {"mesos.v1.ContainerInfo.network_infos", "'none' in health_checks; others refused"},
      {"mesos.v1.ContainerInfo.linux_info", "below, field by field"},
      {"mesos.v1.ContainerInfo.rlimit_info", "hardening (posix/rlimits)"},
      {"mesos.v1.ContainerInfo.tty_info", "refused"},
      {"mesos.v1.LinuxInfo.capability_info", "hardening (linux/capabilities)"},
      {"mesos.v1.LinuxInfo.bounding_capabilities", "hardening (linux/capabilities)"},
      {"mesos.v1.LinuxInfo.effective_capabilities", "hardening (linux/capabilities)"},
      {"mesos.v1.LinuxInfo.share_pid_namespace", "false honoured; true refused"},
      {"mesos.v1.LinuxInfo.seccomp", "hardening (linux/seccomp)"},
      {"mesos.v1.LinuxInfo.ipc_mode", "PRIVATE (namespaces/ipc); SHARE_PARENT refused"},
      {"mesos.v1.LinuxInfo.shm_size", "refused"},
      {"mesos.v1.LinuxInfo.share_cgroups", "true honoured; false refused"},
      {"mesos.v1.NetworkInfo.ip_addresses", "refused"},
      {"mesos.v1.NetworkInfo.name", "'none' honoured; others refused"},
      {"mesos.v1.NetworkInfo.groups", "refused"},
      {"mesos.v1.NetworkInfo.labels", "refused"},
      {"mesos.v1.NetworkInfo.port_mappings", "refused"},
  };
  return fields;
}

TEST(TaskFields, EveryFieldIsAccountedFor) {
  std::set<std::string> described;
  for (const auto* message :
       {mesos::v1::TaskInfo::descriptor(), mesos::v1::CommandInfo::descriptor(),
        mesos::v1::ContainerInfo::descriptor(), mesos::v1::LinuxInfo::descriptor(),
        mesos::v1::NetworkInfo::descriptor()}) {
    for (int i = 0; i < message->field_count(); ++i) {
      const std::string name = message->field(i)->full_name();
      described.insert(name);
      EXPECT_TRUE(classification().count(name)) << name << " is neither honoured nor refused";
    }
  }
  for (const auto& [name, how] : classification())
    EXPECT_TRUE(described.count(name)) << name << " is not a field";
}

struct Refusal {
  std::string name;
  std::function<void(mesos::v1::TaskInfo&)> set;
  std::string words;  // what the message must say
};

std::vector<Refusal> refusals() {
  const auto container = [](mesos::v1::TaskInfo& info) {
    info.mutable_container()->set_type(mesos::v1::ContainerInfo::MESOS);
    return info.mutable_container();
  };
  const auto network = [container](mesos::v1::TaskInfo& info) {
    auto* added = container(info)->add_network_infos();
    added->set_name("none");
    return added;
  };
  return {
      {"executor",
       [](auto& info) {
         info.mutable_executor()->mutable_executor_id()->set_value("e");
         info.mutable_executor()->mutable_command()->set_value("true");
       },
       "custom executors"},
      {"data", [](auto& info) { info.set_data("opaque"); }, "data is not supported"},
      {"docker type",
       [container](auto& info) { container(info)->set_type(mesos::v1::ContainerInfo::DOCKER); },
       "DOCKER"},
      {"volumes",
       [container](auto& info) {
         auto* volume = container(info)->add_volumes();
         volume->set_container_path("/data");
         volume->set_host_path("/tmp");
         volume->set_mode(mesos::v1::Volume::RW);
       },
       "container.volumes"},
      {"docker",
       [container](auto& info) { container(info)->mutable_docker()->set_image("busybox"); },
       "container.docker"},
      {"image",
       [container](auto& info) {
         auto* image = container(info)->mutable_mesos()->mutable_image();
         image->set_type(mesos::v1::Image::DOCKER);
         image->mutable_docker()->set_name("busybox");
       },
       "container.mesos.image"},
      {"tty_info", [container](auto& info) { container(info)->mutable_tty_info(); },
       "container.tty_info"},
      {"cni network",
       [container](auto& info) { container(info)->add_network_infos()->set_name("overlay"); },
       "network_infos[0].name 'overlay'"},
      {"ip_addresses",
       [network](auto& info) { network(info)->add_ip_addresses()->set_ip_address("10.0.0.9"); },
       "network_infos[0].ip_addresses"},
      {"groups", [network](auto& info) { network(info)->add_groups("g"); },
       "network_infos[0].groups"},
      {"network labels",
       [network](auto& info) { network(info)->mutable_labels()->add_labels()->set_key("k"); },
       "network_infos[0].labels"},
      {"port_mappings",
       [network](auto& info) {
         auto* mapping = network(info)->add_port_mappings();
         mapping->set_host_port(31000);
         mapping->set_container_port(80);
       },
       "network_infos[0].port_mappings"},
      {"share_pid_namespace",
       [container](auto& info) {
         container(info)->mutable_linux_info()->set_share_pid_namespace(true);
       },
       "share_pid_namespace"},
      {"ipc_mode SHARE_PARENT",
       [container](auto& info) {
         container(info)->mutable_linux_info()->set_ipc_mode(mesos::v1::LinuxInfo::SHARE_PARENT);
       },
       "ipc_mode SHARE_PARENT"},
      {"shm_size",
       [container](auto& info) { container(info)->mutable_linux_info()->set_shm_size(64); },
       "shm_size"},
      {"share_cgroups",
       [container](auto& info) { container(info)->mutable_linux_info()->set_share_cgroups(false); },
       "share_cgroups"},
  };
}

// The task never runs: it ends TASK_ERROR or TASK_FAILED (launch failed), naming `words`.
void expectRefused(testing::FakeMaster& master, const std::string& taskId, const std::string& words,
                   const std::string& agentLog) {
  std::optional<internal::StatusUpdate> ended;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!ended && std::chrono::steady_clock::now() < deadline) {
    for (const auto& update : master.updatesOf(taskId)) {
      const auto state = update.status().state();
      if (state == mesos::v1::TASK_ERROR || state == mesos::v1::TASK_FAILED ||
          state == mesos::v1::TASK_FINISHED || state == mesos::v1::TASK_RUNNING) {
        ended = update;
      }
    }
    if (!ended) std::this_thread::sleep_for(20ms);
  }
  ASSERT_TRUE(ended) << taskId << ": no outcome\n" << agentLog;
  const auto& status = ended->status();
  if (status.state() == mesos::v1::TASK_FAILED) {
    EXPECT_EQ(status.reason(), mesos::v1::TaskStatus::REASON_CONTAINER_LAUNCH_FAILED) << taskId;
  } else {
    EXPECT_EQ(status.state(), mesos::v1::TASK_ERROR) << taskId << " ran";
  }
  EXPECT_NE(status.message().find(words), std::string::npos)
      << taskId << ": '" << status.message() << "' does not name " << words;
}

TEST_F(AgentWithMaster, EveryRefusedFieldIsRefusedNamingIt) {
  startAgent();
  ASSERT_TRUE(master_->waitForSubscription(1, 20s)) << agent_->err();
  int n = 0;
  for (const auto& refusal : refusals()) {
    const std::string id = "t-refused-" + std::to_string(n++);
    auto info = task(id, "exit 0");
    refusal.set(info);
    master_->runTask(framework("F1", false), info);
    SCOPED_TRACE(refusal.name);
    expectRefused(*master_, id, refusal.words, agent_->err());
  }
}

// Honoured only by an isolator: without it, refused naming the isolator to enable.
TEST_F(AgentWithMaster, FieldsNeedingAnAbsentIsolatorAreRefusedNamingIt) {
  startAgent({"--isolation=cgroups/mem,namespaces/pid"});
  ASSERT_TRUE(master_->waitForSubscription(1, 20s)) << agent_->err();
  const std::vector<Refusal> cases = {
      {"rlimit_info",
       [](auto& info) {
         auto* limit = info.mutable_container()->mutable_rlimit_info()->add_rlimits();
         limit->set_type(mesos::v1::RLimitInfo::RLimit::RLMT_NOFILE);
         limit->set_soft(64);
         limit->set_hard(64);
       },
       "needs the posix/rlimits isolator"},
      {"ipc_mode PRIVATE",
       [](auto& info) {
         info.mutable_container()->mutable_linux_info()->set_ipc_mode(
             mesos::v1::LinuxInfo::PRIVATE);
       },
       "needs the namespaces/ipc isolator"},
      {"seccomp",
       [](auto& info) {
         info.mutable_container()->mutable_linux_info()->mutable_seccomp()->set_unconfined(true);
       },
       "needs the linux/seccomp isolator"},
      {"capabilities",
       [](auto& info) {
         info.mutable_container()->mutable_linux_info()->mutable_effective_capabilities();
       },
       "needs the linux/capabilities isolator"},
      {"hostname", [](auto& info) { info.mutable_container()->set_hostname("web"); },
       "needs the namespaces/uts isolator"},
  };
  int n = 0;
  for (const auto& refusal : cases) {
    const std::string id = "t-needs-" + std::to_string(n++);
    auto info = task(id, "exit 0");
    info.mutable_container()->set_type(mesos::v1::ContainerInfo::MESOS);
    refusal.set(info);
    master_->runTask(framework("F1", false), info);
    SCOPED_TRACE(refusal.name);
    expectRefused(*master_, id, refusal.words, agent_->err());
  }
}

}  // namespace
}  // namespace mesolite
