// Ids as Mesos validates them, and the caps on names, labels and client strings.
#include "common/id_validation.h"

#include <gtest/gtest.h>

#include "master-lite/agent_identity.h"
#include "master-lite/framework_info.h"
#include "master-lite/task_validation.h"

namespace mesolite {
namespace {

TEST(IdValidation, AcceptsWhatMesosAccepts) {
  for (const char* id : {"a", "task-1", "my.task_2", "with space", "ünïcödé", "..x", "x..", "a:b"})
    EXPECT_TRUE(validateId("task_id.value", id)) << id;
  EXPECT_TRUE(validateId("id", std::string(255, 'x')));
}

TEST(IdValidation, RefusesWhatMesosRefusesNamingTheField) {
  for (const std::string id :
       {std::string(""), std::string("."), std::string(".."), std::string("a/b"),
        std::string("a\\b"), std::string("a\nb"), std::string("a\0b", 3), std::string("\x7f"),
        std::string(256, 'x')}) {
    auto valid = validateId("task_id.value", id);
    ASSERT_FALSE(valid) << id;
    EXPECT_NE(valid.error().message.find("task_id.value"), std::string::npos)
        << valid.error().message;
  }
  // Control characters are shown escaped, and a long value shortened.
  EXPECT_NE(validateId("id", "a\nb").error().message.find("'a\\x0ab'"), std::string::npos);
  auto tooLong = validateId("id", std::string(300, 'y'));
  EXPECT_NE(tooLong.error().message.find("300 bytes"), std::string::npos);
}

TEST(IdValidation, ContainerIdsFollowMesossExtraRules) {
  EXPECT_TRUE(validateContainerId("container_id.value", "abc-123"));
  EXPECT_FALSE(validateContainerId("container_id.value", "a.b"));
  EXPECT_FALSE(validateContainerId("container_id.value", "a b"));
  EXPECT_FALSE(validateContainerId("container_id.value", std::string(243, 'c')));
  EXPECT_TRUE(validateContainerId("container_id.value", std::string(242, 'c')));
}

TEST(IdValidation, NamesAndStringsAreCapped) {
  EXPECT_TRUE(validateName("name", ""));
  EXPECT_TRUE(validateName("name", std::string(kMaxNameBytes, 'n')));
  auto long_ = validateName("name", std::string(kMaxNameBytes + 1, 'n'));
  ASSERT_FALSE(long_);
  EXPECT_NE(long_.error().message.find("name is 4097 bytes"), std::string::npos);
  EXPECT_FALSE(validateName("name", std::string("a\0b", 3)));
  EXPECT_FALSE(validateString("framework_info.user", std::string(5000, 'u')));
}

TEST(IdValidation, LabelsAreCappedInNumberAndSize) {
  mesos::v1::Labels labels;
  for (size_t i = 0; i < kMaxLabels; ++i) {
    auto* label = labels.add_labels();
    label->set_key("k" + std::to_string(i));
    label->set_value("v");
  }
  EXPECT_TRUE(validateLabels("labels", labels));
  labels.add_labels()->set_key("one too many");
  auto tooMany = validateLabels("labels", labels);
  ASSERT_FALSE(tooMany);
  EXPECT_NE(tooMany.error().message.find("257 labels"), std::string::npos);

  mesos::v1::Labels big;
  big.add_labels()->set_key("ok");
  big.add_labels()->set_value(std::string(kMaxLabelBytes + 1, 'v'));
  auto value = validateLabels("task.labels", big);
  ASSERT_FALSE(value);
  EXPECT_NE(value.error().message.find("task.labels.labels[1].value"), std::string::npos)
      << value.error().message;

  mesos::v1::Labels heavy;
  for (int i = 0; i < 20; ++i)
    heavy.add_labels()->set_value(std::string(kMaxLabelBytes, 'h'));
  EXPECT_FALSE(validateLabels("labels", heavy));
}

TEST(IdValidation, FrameworkInfoStringsAreCheckedByField) {
  mesos::v1::FrameworkInfo info;
  info.set_user("root");
  info.set_name("fine");
  EXPECT_TRUE(master::checkClientStrings(info));
  info.mutable_id()->set_value("../escape");
  auto id = master::checkClientStrings(info);
  ASSERT_FALSE(id);
  EXPECT_NE(id.error().message.find("framework_info.id.value"), std::string::npos);
  info.mutable_id()->set_value("ok");
  info.set_name(std::string(10000, 'n'));
  auto name = master::checkClientStrings(info);
  ASSERT_FALSE(name);
  EXPECT_NE(name.error().message.find("framework_info.name"), std::string::npos);
  info.set_name("fine");
  info.set_principal(std::string(5000, 'p'));
  EXPECT_FALSE(master::checkClientStrings(info));
}

TEST(IdValidation, TaskIdsUseMesossRules) {
  EXPECT_TRUE(master::validateTaskId("task"));
  EXPECT_FALSE(master::validateTaskId("a\\b"));
  EXPECT_FALSE(master::validateTaskId("tab\there"));
  EXPECT_FALSE(master::validateTaskId(std::string(256, 't')));
}

TEST(AgentIdentity, OnlyTheAddressHoldingAConnectedAgentsIdMayTakeIt) {
  using master::conflictingClaim;
  EXPECT_FALSE(conflictingClaim("S1", true, "10.0.0.1:5051", "10.0.0.1:5051"));
  EXPECT_FALSE(conflictingClaim("S1", false, "10.0.0.1:5051", "10.0.0.2:5051"));
  auto conflict = conflictingClaim("S1", true, "10.0.0.1:5051", "10.0.0.2:5051");
  ASSERT_TRUE(conflict);
  EXPECT_NE(conflict->find("'S1'"), std::string::npos);
  EXPECT_NE(conflict->find("10.0.0.1:5051"), std::string::npos);
  EXPECT_TRUE(conflictingClaim("S1", true, "10.0.0.1:5051", "10.0.0.1:5052"));
  EXPECT_EQ(master::agentAddress("::1", 5051), "[::1]:5051");
  internal::AgentCall::Subscribe subscribe;
  EXPECT_EQ(master::subscriberIp(subscribe, "[::1]:4242"), "::1");
  EXPECT_EQ(master::subscriberIp(subscribe, "127.0.0.1:4242"), "127.0.0.1");
  subscribe.set_advertise_ip("10.1.1.1");
  EXPECT_EQ(master::subscriberIp(subscribe, "127.0.0.1:4242"), "10.1.1.1");
}

}  // namespace
}  // namespace mesolite
