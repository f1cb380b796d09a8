#include "common/flags.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace mesolite {
namespace {

struct TestFlags {
  FlagSet set{"test-daemon", "A daemon for tests."};
  std::string work_dir;
  uint32_t port = 0;
  bool switch_user = true;
  Duration timeout;
  Bytes size;
  std::optional<std::string> master;
  std::optional<double> ratio;

  TestFlags() {
    set.add(&work_dir, "work_dir", "Where state lives.", std::string("/var/lib/mesos"));
    set.add(&port, "port", "Port.", uint32_t(5051));
    set.add(&switch_user, "switch_user", "Switch users.", true);
    set.add(&timeout, "recovery_timeout", "How long.", *Duration::parse("15mins"))
        .alias("old_recovery_timeout");
    set.add(&size, "size", "How big.", *Bytes::parse("1GB"));
    set.add(&master, "master", "The master.");
    set.add(&ratio, "ratio", "A ratio.").validate([](const std::string& text) -> Result<void> {
      if (text.find('-') != std::string::npos) return Error("'" + text + "' is negative");
      return success();
    });
  }

  Result<void> load(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
    return set.load(args, env);
  }
};

TEST(Flags, DefaultsApplyWhenNothingIsGiven) {
  TestFlags flags;
  ASSERT_TRUE(flags.load({}));
  EXPECT_EQ(flags.work_dir, "/var/lib/mesos");
  EXPECT_EQ(flags.port, 5051u);
  EXPECT_TRUE(flags.switch_user);
  EXPECT_EQ(flags.timeout.value, std::chrono::minutes(15));
  EXPECT_EQ(flags.size.value, 1ULL << 30);
  EXPECT_FALSE(flags.master);
}

TEST(Flags, NameEqualsValueAndBooleans) {
  TestFlags flags;
  ASSERT_TRUE(flags.load({"--work_dir=/tmp/w", "--port=6000", "--no-switch_user",
                          "--recovery_timeout=100ms", "--size=512MB", "--master=zk://h:2181/m"}));
  EXPECT_EQ(flags.work_dir, "/tmp/w");
  EXPECT_EQ(flags.port, 6000u);
  EXPECT_FALSE(flags.switch_user);
  EXPECT_EQ(flags.timeout.value, std::chrono::milliseconds(100));
  EXPECT_EQ(flags.size.value, 512ULL << 20);
  EXPECT_EQ(flags.master, "zk://h:2181/m");

  TestFlags again;
  ASSERT_TRUE(again.load({"--switch_user=false"}));
  EXPECT_FALSE(again.switch_user);
  ASSERT_TRUE(again.set.load({"--switch_user"}, {}));
  EXPECT_TRUE(again.switch_user);
}

TEST(Flags, DashesAndAliases) {
  TestFlags flags;
  ASSERT_TRUE(flags.load({"--work-dir=/a", "--old_recovery_timeout=2mins"}));
  EXPECT_EQ(flags.work_dir, "/a");
  EXPECT_EQ(flags.timeout.value, std::chrono::minutes(2));
}

TEST(Flags, EnvironmentAndCommandLineWins) {
  TestFlags flags;
  ASSERT_TRUE(flags.load({"--port=7000"}, {{"MESOS_PORT", "6000"},
                                           {"MESOS_WORK_DIR", "/from/env"},
                                           {"MESOS_UNRELATED_THING", "ignored"},
                                           {"PATH", "/bin"}}));
  EXPECT_EQ(flags.port, 7000u);
  EXPECT_EQ(flags.work_dir, "/from/env");
}

TEST(Flags, FileValues) {
  char path[] = "/tmp/mesolite-flag-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, "zk://a:2181/mesos\n", 18), 18);
  close(fd);
  TestFlags flags;
  ASSERT_TRUE(flags.load({std::string("--master=file://") + path}));
  EXPECT_EQ(flags.master, "zk://a:2181/mesos");
  unlink(path);

  TestFlags missing;
  auto result = missing.load({"--master=file:///nonexistent/mesolite/zk"});
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("/nonexistent/mesolite/zk"), std::string::npos);
  EXPECT_NE(result.error().message.find("No such file"), std::string::npos);
}

TEST(Flags, ErrorsNameTheFlagAndNothingIsHalfApplied) {
  TestFlags flags;
  auto unknown = flags.load({"--work_dir=/x", "--bogus=1"});
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("--bogus"), std::string::npos);
  EXPECT_EQ(flags.work_dir, "/var/lib/mesos");  // nothing stored

  auto badNumber = flags.load({"--work_dir=/x", "--port=fifty"});
  ASSERT_FALSE(badNumber);
  EXPECT_NE(badNumber.error().message.find("--port"), std::string::npos);
  EXPECT_NE(badNumber.error().message.find("fifty"), std::string::npos);
  EXPECT_EQ(flags.work_dir, "/var/lib/mesos");

  auto fromEnv = flags.load({}, {{"MESOS_RECOVERY_TIMEOUT", "5parsecs"}});
  ASSERT_FALSE(fromEnv);
  EXPECT_NE(fromEnv.error().message.find("MESOS_RECOVERY_TIMEOUT"), std::string::npos);
  EXPECT_NE(fromEnv.error().message.find("parsecs"), std::string::npos);

  EXPECT_FALSE(flags.load({"--port"}));                // needs a value
  EXPECT_FALSE(flags.load({"--port=1", "--port=2"}));  // twice
  EXPECT_FALSE(flags.load({"positional"}));
  EXPECT_FALSE(flags.load({"--no-port"}));  // not a boolean
  EXPECT_FALSE(flags.load({"--switch_user=maybe"}));

  auto invalid = flags.load({"--ratio=-1"});
  ASSERT_FALSE(invalid);
  EXPECT_NE(invalid.error().message.find("negative"), std::string::npos);
}

TEST(Flags, RequiredFlags) {
  FlagSet set("d", "");
  std::string dir;
  set.add(&dir, "work_dir", "Where.", std::string()).required();
  auto missing = set.load({}, {});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("--work_dir"), std::string::npos);
  EXPECT_NE(missing.error().message.find("MESOS_WORK_DIR"), std::string::npos);
  EXPECT_TRUE(set.load({}, {{"MESOS_WORK_DIR", "/w"}}));
  EXPECT_EQ(dir, "/w");
}

TEST(Flags, HelpAndVersionSkipValidation) {
  FlagSet set("d", "");
  std::string dir;
  set.add(&dir, "work_dir", "Where.", std::string()).required();
  ASSERT_TRUE(set.load({"--help"}, {}));
  EXPECT_TRUE(set.helpRequested());
  FlagSet other("d", "");
  other.add(&dir, "work_dir", "Where.", std::string()).required();
  ASSERT_TRUE(other.load({"--version"}, {}));
  EXPECT_TRUE(other.versionRequested());
}

TEST(Flags, UsageListsEveryFlagWithDefaults) {
  TestFlags flags;
  const std::string usage = flags.set.usage();
  EXPECT_NE(usage.find("Usage: test-daemon [options]"), std::string::npos);
  EXPECT_NE(usage.find("--work_dir=VALUE"), std::string::npos);
  EXPECT_NE(usage.find("(default: /var/lib/mesos)"), std::string::npos);
  EXPECT_NE(usage.find("--[no-]switch_user"), std::string::npos);
  EXPECT_NE(usage.find("(default: 15mins)"), std::string::npos);
  EXPECT_NE(usage.find("--master=VALUE"), std::string::npos);
  EXPECT_NE(usage.find("--[no-]help"), std::string::npos);
}

TEST(Flags, ValuesForTheFlagsEndpoint) {
  TestFlags flags;
  ASSERT_TRUE(flags.load({"--port=6000"}));
  auto values = flags.set.values();
  EXPECT_EQ(values["port"], "6000");
  EXPECT_EQ(values["recovery_timeout"], "15mins");
  EXPECT_EQ(values["switch_user"], "true");
  EXPECT_EQ(values.count("master"), 0u);
}

TEST(Units, Durations) {
  EXPECT_EQ(Duration::parse("15secs")->value, std::chrono::seconds(15));
  EXPECT_EQ(Duration::parse("1mins")->value, std::chrono::minutes(1));
  EXPECT_EQ(Duration::parse("2hrs")->value, std::chrono::hours(2));
  EXPECT_EQ(Duration::parse("1days")->value, std::chrono::hours(24));
  EXPECT_EQ(Duration::parse("1weeks")->value, std::chrono::hours(24 * 7));
  EXPECT_EQ(Duration::parse("100ms")->value, std::chrono::milliseconds(100));
  EXPECT_EQ(Duration::parse("10us")->value, std::chrono::microseconds(10));
  EXPECT_EQ(Duration::parse("10ns")->value, std::chrono::nanoseconds(10));
  EXPECT_EQ(Duration::parse("1.5secs")->value, std::chrono::milliseconds(1500));
  EXPECT_EQ(Duration::parse("90secs")->toString(), "90secs");
  EXPECT_EQ(Duration::parse("120secs")->toString(), "2mins");
  EXPECT_EQ(Duration::parse("1.5secs")->toString(), "1500ms");

  auto bad = Duration::parse("15seconds");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("seconds"), std::string::npos);
  EXPECT_FALSE(Duration::parse("secs"));
  EXPECT_FALSE(Duration::parse(""));
  EXPECT_FALSE(Duration::parse("-1secs"));
  EXPECT_FALSE(Duration::parse("1e300weeks"));
}

TEST(Units, Bytes) {
  EXPECT_EQ(Bytes::parse("512MB")->value, 512ULL << 20);
  EXPECT_EQ(Bytes::parse("1GB")->value, 1ULL << 30);
  EXPECT_EQ(Bytes::parse("10KB")->value, 10ULL << 10);
  EXPECT_EQ(Bytes::parse("100B")->value, 100u);
  EXPECT_EQ(Bytes::parse("2TB")->value, 2ULL << 40);
  EXPECT_EQ(Bytes::parse("1024MB")->toString(), "1GB");
  EXPECT_EQ(Bytes::parse("100B")->toString(), "100B");
  auto bad = Bytes::parse("12XB");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("XB"), std::string::npos);
  EXPECT_FALSE(Bytes::parse("MB"));
}

}  // namespace
}  // namespace mesolite
