// namespaces/user, attacked from inside a task: container root is root of its own
// files and of nothing on the host. Each test has a twin without the user namespace
// (or checks what the host sees), so it fails if the namespace is taken away.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "isolators/user_namespace_isolator.h"
#include "tests/support/standalone_agent.h"

namespace mesolite {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::StandaloneAgent;

// The agent's default --user_namespace_id_range starts here.
constexpr uint32_t kFirstMappedId = 1879048192;
constexpr const char* kDefaultIsolation =
    "cgroups/cpu,cgroups/mem,cgroups/pids,cgroups/devices,namespaces/pid,namespaces/ipc,"
    "namespaces/uts,filesystem/linux,linux/capabilities,linux/nnp,linux/seccomp,posix/rlimits";

struct TaskRun {
  json end;
  std::string out;
  std::string err;
};

class UserNamespace : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root: creates user namespaces and cgroups";
  }

  TaskRun run(StandaloneAgent& agent, const std::string& id, const std::string& command,
              const std::string& user = "") {
    auto launched = agent.launch(id, command, "cpus:0.1;mem:64", nullptr, user);
    EXPECT_EQ(launched.status, 200) << launched.body;
    return TaskRun{agent.wait(id), agent.out(id), agent.err(id)};
  }

  // The first line of /proc/self/uid_map as the task printed it: "<inside> <host> <count>".
  static uint32_t hostIdOfRoot(const std::string& out) {
    std::istringstream in(out.substr(out.find("map=") + 4));
    uint32_t inside = 1, host = 0, count = 0;
    in >> inside >> host >> count;
    EXPECT_EQ(inside, 0u) << out;
    EXPECT_EQ(count, isolation::kUserNamespaceIds) << out;
    return host;
  }
};

// The attack the issue names: root with every capability of its namespace, no mask over
// /etc/shadow (no filesystem/linux, no linux/capabilities), reads it and writes /etc.
TEST_F(UserNamespace, ContainerRootCannotReadShadowEvenWithTheMaskOff) {
  const std::string probe = "/etc/mesolite-userns-" + std::to_string(getpid());
  const std::string attack = "cat /etc/shadow >/dev/null 2>&1 && echo shadow=read; touch " + probe +
                             " 2>/dev/null && echo etc=written; grep CapEff "
                             "/proc/self/status; echo map=$(cat /proc/self/uid_map); id -u";
  {
    // Without the user namespace the same task does read it: the test can fail.
    StandaloneAgent plain({"--isolation=cgroups/mem,namespaces/pid"});
    ASSERT_TRUE(plain.ok()) << plain.startError();
    TaskRun task = run(plain, "plain", attack);
    std::filesystem::remove(probe);
    EXPECT_THAT(task.out, HasSubstr("shadow=read")) << task.out << task.err;
  }
  StandaloneAgent agent({"--isolation=cgroups/mem,namespaces/pid,namespaces/user"});
  ASSERT_TRUE(agent.ok()) << agent.startError();
  TaskRun task = run(agent, "mapped", attack);
  const bool written = std::filesystem::exists(probe);
  std::filesystem::remove(probe);
  EXPECT_EQ(task.end["state"], "TASK_FINISHED") << task.end.dump() << task.err;
  EXPECT_THAT(task.out, Not(HasSubstr("shadow=read"))) << task.out;
  EXPECT_THAT(task.out, Not(HasSubstr("etc=written"))) << task.out;
  EXPECT_FALSE(written) << probe << " appeared on the host";
  EXPECT_THAT(task.out, HasSubstr("CapEff:\t000001ff")) << "root of its namespace: " << task.out;
  EXPECT_THAT(task.out, HasSubstr("\n0\n")) << "uid 0 inside: " << task.out;
  EXPECT_GE(hostIdOfRoot(task.out), kFirstMappedId);
}

TEST_F(UserNamespace, HardenedDefaultTasksOwnTheirSandboxUnderMappedIds) {
  StandaloneAgent agent({std::string("--isolation=") + kDefaultIsolation + ",namespaces/user"});
  ASSERT_TRUE(agent.ok()) << agent.startError();
  TaskRun task = run(agent, "root-task",
                     "echo map=$(cat /proc/self/uid_map); grep -E '^(CapEff|Seccomp|NoNewPrivs)' "
                     "/proc/self/status; touch $MESOS_SANDBOX/mine && chown 1000:1000 "
                     "$MESOS_SANDBOX/mine && echo chowned; unshare -U true 2>/dev/null || "
                     "echo nested=refused; cat /etc/shadow 2>/dev/null | head -c1 | wc -c");
  EXPECT_EQ(task.end["state"], "TASK_FINISHED") << task.end.dump() << task.err;
  const uint32_t root = hostIdOfRoot(task.out);
  EXPECT_GE(root, kFirstMappedId);
  EXPECT_THAT(task.out, HasSubstr("CapEff:\t00000000a80405fb")) << task.out;
  EXPECT_THAT(task.out, HasSubstr("Seccomp:\t2"));
  EXPECT_THAT(task.out, HasSubstr("NoNewPrivs:\t1"));
  EXPECT_THAT(task.out, HasSubstr("chowned\n")) << task.out << task.err;
  EXPECT_THAT(task.out, HasSubstr("nested=refused\n"));
  EXPECT_THAT(task.out, HasSubstr("\n0\n")) << "nothing of /etc/shadow: " << task.out;
  struct stat mine {};
  ASSERT_EQ(::stat((agent.sandbox("root-task") + "/mine").c_str(), &mine), 0);
  EXPECT_EQ(mine.st_uid, root + 1000) << "its uid 1000 is a host id of its own block";
  EXPECT_EQ(mine.st_gid, root + 1000);
  // Once it is gone its sandbox is no longer its ids': the next holder of the block
  // must not find it its own.
  struct stat sandbox {};
  ASSERT_EQ(::stat(agent.sandbox("root-task").c_str(), &sandbox), 0);
  EXPECT_EQ(sandbox.st_uid, 0u);
  EXPECT_EQ(sandbox.st_mode & 0007, 0u);

  // A task of another user is that user inside, on ids of another block.
  TaskRun nobody = run(agent, "nobody-task", "id -u; echo map=$(cat /proc/self/uid_map)", "nobody");
  EXPECT_EQ(nobody.end["state"], "TASK_FINISHED") << nobody.end.dump() << nobody.err;
  EXPECT_THAT(nobody.out, HasSubstr("65534\n")) << nobody.out;
  EXPECT_NE(hostIdOfRoot(nobody.out), root) << "a freed block is reused as late as possible";
}

TEST_F(UserNamespace, RunningContainersNeverShareIds) {
  StandaloneAgent agent({"--isolation=cgroups/mem,namespaces/pid,namespaces/user",
                         "--user_namespace_id_range=[1879048192-1879244799]"});  // 3 blocks
  ASSERT_TRUE(agent.ok()) << agent.startError();
  for (const char* id : {"a", "b", "c"})
    ASSERT_EQ(agent.launch(id, "sleep 60").status, 200) << id;
  auto full = agent.launch("d", "true");
  EXPECT_EQ(full.status, 400) << full.body;
  EXPECT_THAT(full.body, HasSubstr("all 3 id blocks"));
  std::set<uid_t> owners;
  for (const char* id : {"a", "b", "c"}) {
    struct stat info {};
    ASSERT_EQ(::stat(agent.sandbox(id).c_str(), &info), 0);
    owners.insert(info.st_uid);
  }
  EXPECT_EQ(owners.size(), 3u);
  auto killed = agent.kill("a", SIGKILL);
  ASSERT_EQ(killed.status, 200) << killed.body << "\nagent log:\n" << agent.log();
  auto ended = agent.wait("a", std::chrono::seconds(20));
  ASSERT_EQ(ended["state"], "TASK_KILLED") << ended.dump() << "\nagent log:\n" << agent.log();
  auto freed = agent.launch("d", "true");
  EXPECT_EQ(freed.status, 200) << "a's block is free again: " << freed.body;
  EXPECT_EQ(agent.wait("d")["state"], "TASK_FINISHED");
  for (const char* id : {"b", "c"}) {
    agent.kill(id, SIGKILL);
    agent.wait(id);
  }
}

TEST_F(UserNamespace, ARestartedAgentKnowsWhichBlocksItsContainersHold) {
  StandaloneAgent agent({"--isolation=cgroups/mem,namespaces/pid,namespaces/user",
                         "--user_namespace_id_range=[1879048192-1879179263]"});  // 2 blocks
  ASSERT_TRUE(agent.ok()) << agent.startError();
  ASSERT_EQ(agent.launch("before", "sleep 60").status, 200);
  struct stat before {};
  ASSERT_EQ(::stat(agent.sandbox("before").c_str(), &before), 0);
  ASSERT_TRUE(agent.restart()) << agent.startError();
  // The next-fit cursor is gone with the old agent: only the recovered record keeps
  // the new container off the block "before" still holds.
  ASSERT_EQ(agent.launch("after", "sleep 60").status, 200);
  struct stat after {};
  ASSERT_EQ(::stat(agent.sandbox("after").c_str(), &after), 0);
  EXPECT_NE(after.st_uid, before.st_uid);
  auto full = agent.launch("third", "true");
  EXPECT_EQ(full.status, 400) << full.body;
  for (const char* id : {"before", "after"}) {
    agent.kill(id, SIGKILL);
    EXPECT_EQ(agent.wait(id)["state"], "TASK_KILLED") << id;
  }
}

TEST_F(UserNamespace, BadRangesStopTheAgent) {
  StandaloneAgent withoutIsolator({"--user_namespace_id_range=[2000000000-2000065535]"});
  EXPECT_FALSE(withoutIsolator.ok());
  EXPECT_THAT(withoutIsolator.startError(), HasSubstr("namespaces/user is not in --isolation"));

  StandaloneAgent overHostUsers(
      {"--isolation=namespaces/user", "--user_namespace_id_range=[1000-200000]"});
  EXPECT_FALSE(overHostUsers.ok());
  EXPECT_THAT(overHostUsers.startError(), HasSubstr("--user_namespace_id_range"));

  StandaloneAgent tooSmall(
      {"--isolation=namespaces/user", "--user_namespace_id_range=[2000000000-2000000100]"});
  EXPECT_FALSE(tooSmall.ok());
  EXPECT_THAT(tooSmall.startError(), HasSubstr("fewer than the 65536 ids"));
}

}  // namespace
}  // namespace mesolite
