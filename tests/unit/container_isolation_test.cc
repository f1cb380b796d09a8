// The pure parts of the agent's /containers isolation reading: /proc/<pid>/status,
// /proc/<pid>/cgroup and flat-keyed cgroup files, as the kernel writes them.
#include "agent/container_isolation.h"

#include <gtest/gtest.h>

#include "common/proc_stat.h"
#include "isolators/cgroups/cgroupfs.h"
#include "isolators/cgroups/proc_cgroup.h"

namespace mesolite {
namespace {

// Lines of a real /proc/<pid>/status of a hardened task.
constexpr const char* kStatus =
    "Name:\tsleep\nNSpid:\t4242\t2\nCapInh:\t0000000000000000\nCapPrm:\t00000000a80405fb\n"
    "CapEff:\t00000000a80405fb\nCapBnd:\t00000000a80405fb\nCapAmb:\t0000000000000000\n"
    "NoNewPrivs:\t1\nSeccomp:\t2\nSeccomp_filters:\t1\nSpeculation_Store_Bypass:\tthread "
    "vulnerable\n";

TEST(ContainerIsolation, ReadsSeccompNoNewPrivsAndCapabilitiesByName) {
  auto status = proc::parseStatus(kStatus);
  EXPECT_EQ(status["NSpid"], "4242\t2");
  EXPECT_EQ(status["Speculation_Store_Bypass"], "thread vulnerable");
  const auto security = agent::securityOf(status);
  EXPECT_EQ(security["seccomp"]["mode"], 2);
  EXPECT_EQ(security["seccomp"]["filters"], 1);
  EXPECT_EQ(security["no_new_privs"], 1);
  const auto& effective = security["capabilities"]["effective"];
  ASSERT_TRUE(effective.is_array());
  EXPECT_EQ(effective.size(), 13u);  // Docker's 14 without NET_RAW
  EXPECT_EQ(effective[0], "CHOWN");
  EXPECT_EQ(std::count(effective.begin(), effective.end(), "NET_RAW"), 0);
  EXPECT_EQ(security["capabilities"]["bounding"], effective);
}

TEST(ContainerIsolation, WhatTheKernelDoesNotSayIsNull) {
  const auto security = agent::securityOf(proc::parseStatus("Name:\tx\nCapEff:\tnot-hex\n"));
  EXPECT_TRUE(security["seccomp"]["mode"].is_null());
  EXPECT_TRUE(security["no_new_privs"].is_null());
  EXPECT_FALSE(security["capabilities"].contains("effective"));
}

TEST(ProcCgroup, ParsesV1HybridAndV2Lines) {
  auto memberships = cgroups::parseProcCgroup(
      "12:pids:/mesos/c1\n4:cpu,cpuacct:/mesos/c1\n1:name=systemd:/user.slice\n0::/mesos/c1\n"
      "garbage\n:x:/y\n");
  ASSERT_EQ(memberships.size(), 4u);
  EXPECT_EQ(memberships[1].controllers, (std::vector<std::string>{"cpu", "cpuacct"}));
  EXPECT_EQ(memberships[1].path, "/mesos/c1");
  EXPECT_FALSE(memberships[1].v2());
  EXPECT_EQ(memberships[2].controllers, (std::vector<std::string>{"name=systemd"}));
  EXPECT_TRUE(memberships[3].v2());
  EXPECT_TRUE(memberships[3].controllers.empty());
}

TEST(CgroupFiles, FlatKeyedKeepsNumbersOnly) {
  auto values = cgroups::fs::parseFlatKeyed("oom 1\noom_kill 2\nmax max\n\nbad\nhigh 0");
  EXPECT_EQ(values.size(), 3u);
  EXPECT_EQ(values["oom_kill"], 2u);
  EXPECT_EQ(values["high"], 0u);
}

}  // namespace
}  // namespace mesolite
