#include "master-lite/framework_info.h"

#include <gtest/gtest.h>

#include <cmath>

namespace mesolite::master {
namespace {

using mesos::v1::FrameworkInfo;

FrameworkInfo info(const std::string& user = "alice") {
  FrameworkInfo framework;
  framework.set_user(user);
  framework.set_name("f");
  framework.mutable_id()->set_value("fw-1");
  return framework;
}

TEST(FrameworkInfoTest, RolesComeFromRoleOrFromRolesWithMultiRole) {
  auto plain = frameworkRoles(info());
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(*plain, std::vector<std::string>{"*"});

  FrameworkInfo multi = info();
  multi.add_capabilities()->set_type(FrameworkInfo::Capability::MULTI_ROLE);
  multi.add_roles("a");
  multi.add_roles("b/c");
  auto roles = frameworkRoles(multi);
  ASSERT_TRUE(roles.ok());
  EXPECT_EQ(*roles, (std::vector<std::string>{"a", "b/c"}));

  FrameworkInfo bad = info();
  bad.add_roles("a");  // without MULTI_ROLE
  EXPECT_FALSE(frameworkRoles(bad).ok());
  multi.add_roles("..");
  EXPECT_FALSE(frameworkRoles(multi).ok());
}

TEST(FrameworkInfoTest, UserCheckpointAndPrincipalAreImmutable) {
  EXPECT_TRUE(checkImmutableFields(info(), info()).ok());
  FrameworkInfo renamed = info();
  renamed.set_name("g");
  renamed.set_failover_timeout(30);
  EXPECT_TRUE(checkImmutableFields(info(), renamed).ok());

  auto user = checkImmutableFields(info(), info("bob"));
  ASSERT_FALSE(user.ok());
  EXPECT_NE(user.error().message.find("'FrameworkInfo.user'"), std::string::npos);
  FrameworkInfo checkpoint = info();
  checkpoint.set_checkpoint(true);
  auto changed = checkImmutableFields(info(), checkpoint);
  ASSERT_FALSE(changed.ok());
  EXPECT_NE(changed.error().message.find("'FrameworkInfo.checkpoint'"), std::string::npos);
  FrameworkInfo principal = info();
  principal.set_principal("");  // set, though empty, differs from unset (as in Mesos)
  EXPECT_FALSE(checkImmutableFields(info(), principal).ok());
}

TEST(FrameworkInfoTest, FailoverTimeoutMustBeADuration) {
  FrameworkInfo framework = info();
  for (double seconds : {0.0, -1.0, 604800.0, 9e9}) {
    framework.set_failover_timeout(seconds);
    EXPECT_TRUE(checkFailoverTimeout(framework).ok()) << seconds;
  }
  for (double seconds : {1e10, 1e300, std::nan(""), double(INFINITY)}) {
    framework.set_failover_timeout(seconds);
    EXPECT_FALSE(checkFailoverTimeout(framework).ok()) << seconds;
  }
}

TEST(FrameworkInfoTest, WhitelistAndSuppressedRoles) {
  EXPECT_TRUE(checkWhitelisted({"a", "*"}, std::nullopt).ok());
  EXPECT_TRUE(checkWhitelisted({"a", "*"}, "a,b").ok());
  EXPECT_FALSE(checkWhitelisted({"c"}, "a,b").ok());
  EXPECT_TRUE(checkSuppressedRoles({"a"}, {"a", "b"}).ok());
  EXPECT_FALSE(checkSuppressedRoles({"c"}, {"a", "b"}).ok());
}

TEST(FrameworkInfoTest, OfferConstraintsAndOfferFiltersAreRefusedByName) {
  mesos::v1::scheduler::Call::UpdateFramework update;
  *update.mutable_framework_info() = info();
  EXPECT_FALSE(unhonouredUpdateFields(update));
  update.mutable_offer_constraints();  // present but empty: no constraint at all
  EXPECT_FALSE(unhonouredUpdateFields(update));
  (*update.mutable_offer_constraints()->mutable_role_constraints())["*"];
  auto constraints = unhonouredUpdateFields(update);
  ASSERT_TRUE(constraints);
  EXPECT_NE(constraints->find("offer_constraints"), std::string::npos);
  update.clear_offer_constraints();
  (*update.mutable_framework_info()->mutable_offer_filters())["*"];
  auto filters = unhonouredUpdateFields(update);
  ASSERT_TRUE(filters);
  EXPECT_NE(filters->find("offer_filters"), std::string::npos);
}

}  // namespace
}  // namespace mesolite::master
