#include "common/proc_stat.h"

#include <gtest/gtest.h>
#include <unistd.h>

namespace mesolite {
namespace {

TEST(ProcStat, ReadsPastACommandNameWithSpacesAndParentheses) {
  // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
  // utime stime cutime cstime priority nice threads itrealvalue starttime ...
  const std::string text =
      "4242 (a) b (c) S 17 4242 4242 0 -1 4194304 100 0 0 0 31 7 0 0 20 0 1 0 987654 "
      "1000 200 18446744073709551615\n";
  auto stat = proc::parseStat(text);
  ASSERT_TRUE(stat) << stat.error().message;
  EXPECT_EQ(stat->state, 'S');
  EXPECT_EQ(stat->parent, 17);
  EXPECT_EQ(stat->userTicks, 31u);
  EXPECT_EQ(stat->systemTicks, 7u);
  EXPECT_EQ(stat->startTime, 987654u);
}

TEST(ProcStat, RefusesTruncatedText) {
  EXPECT_FALSE(proc::parseStat("4242 (cmd"));
  EXPECT_FALSE(proc::parseStat("4242 (cmd) S 1 2 3"));
  EXPECT_FALSE(proc::parseStat(""));
}

TEST(ProcStat, ReadsThisProcessAndNamesThePathOfOneThatIsGone) {
  auto self = proc::readStat(getpid());
  ASSERT_TRUE(self) << self.error().message;
  EXPECT_EQ(self->state, 'R');
  EXPECT_EQ(self->parent, getppid());
  EXPECT_GT(self->startTime, 0u);
  auto gone = proc::readStat(0x3fffffff);
  ASSERT_FALSE(gone);
  EXPECT_NE(gone.error().message.find("/proc/1073741823/stat"), std::string::npos)
      << gone.error().message;
}

}  // namespace
}  // namespace mesolite
