#include "master-lite/allocator.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace mesolite::master {
namespace {

using std::chrono::seconds;

const TimePoint kStart{};

Resources parse(std::string_view text) {
  auto resources = Resources::parse(text);
  EXPECT_TRUE(resources.ok()) << resources.error().message;
  return resources.ok() ? *resources : Resources();
}

const Resources kAgent = parse("cpus:4;mem:4096;disk:10000");

// Number of offers per framework.
std::map<std::string, int> countByFramework(const std::vector<Offer>& offers) {
  std::map<std::string, int> counts;
  for (const auto& offer : offers)
    ++counts[offer.frameworkId];
  return counts;
}

void addAgents(Allocator& allocator, int count, const Resources& resources = kAgent) {
  for (int i = 0; i < count; ++i) {
    ASSERT_TRUE(allocator.addAgent("agent-" + std::to_string(i), resources).ok());
  }
}

TEST(AllocatorTest, SingleFrameworkGetsEverything) {
  Allocator allocator;
  addAgents(allocator, 3);
  ASSERT_TRUE(allocator.addFramework("fw", {"web"}).ok());

  auto offers = allocator.allocate(kStart);
  ASSERT_EQ(offers.size(), 3u);
  for (const auto& offer : offers) {
    EXPECT_EQ(offer.frameworkId, "fw");
    EXPECT_EQ(offer.role, "web");
    EXPECT_EQ(offer.resources, kAgent);
    EXPECT_TRUE(allocator.available(offer.agentId).empty());
  }
  EXPECT_DOUBLE_EQ(allocator.allocated("fw").cpus, 12);
}

TEST(AllocatorTest, TwoRolesShareFairly) {
  Allocator allocator;
  addAgents(allocator, 4);
  ASSERT_TRUE(allocator.addFramework("fw-a", {"a"}).ok());
  ASSERT_TRUE(allocator.addFramework("fw-b", {"b"}).ok());

  auto counts = countByFramework(allocator.allocate(kStart));
  EXPECT_EQ(counts["fw-a"], 2);
  EXPECT_EQ(counts["fw-b"], 2);
}

TEST(AllocatorTest, LowerDominantShareGetsTheNextAgent) {
  Allocator allocator;
  ASSERT_TRUE(allocator.addAgent("big", parse("cpus:8;mem:8192")).ok());
  ASSERT_TRUE(allocator.addFramework("fw-a", {"a"}).ok());
  ASSERT_EQ(allocator.allocate(kStart).size(), 1u);  // fw-a holds "big"

  // fw-b arrives with nothing, so it is furthest behind: the next agent is its own,
  // even though "a" sorts first by name.
  ASSERT_TRUE(allocator.addFramework("fw-b", {"b"}).ok());
  ASSERT_TRUE(allocator.addAgent("small", parse("cpus:1;mem:1024")).ok());
  auto offers = allocator.allocate(kStart);
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].frameworkId, "fw-b");
  EXPECT_EQ(offers[0].agentId, "small");
}

TEST(AllocatorTest, FrameworksWithinARoleShareFairly) {
  Allocator allocator;
  addAgents(allocator, 6);
  ASSERT_TRUE(allocator.addFramework("fw-1", {"r"}).ok());
  ASSERT_TRUE(allocator.addFramework("fw-2", {"r"}).ok());
  ASSERT_TRUE(allocator.addFramework("fw-3", {"r"}).ok());

  auto counts = countByFramework(allocator.allocate(kStart));
  EXPECT_EQ(counts["fw-1"], 2);
  EXPECT_EQ(counts["fw-2"], 2);
  EXPECT_EQ(counts["fw-3"], 2);
}

TEST(AllocatorTest, WeightsGiveProportionalShares) {
  Allocator allocator;
  allocator.setWeights({{"heavy", 2.0}, {"light", 1.0}});
  addAgents(allocator, 30);
  ASSERT_TRUE(allocator.addFramework("fw-heavy", {"heavy"}).ok());
  ASSERT_TRUE(allocator.addFramework("fw-light", {"light"}).ok());

  auto counts = countByFramework(allocator.allocate(kStart));
  EXPECT_EQ(counts["fw-heavy"] + counts["fw-light"], 30);
  EXPECT_NEAR(counts["fw-heavy"], 20, 1);
  EXPECT_NEAR(counts["fw-light"], 10, 1);
}

TEST(AllocatorTest, ResourcesStayAllocatedUntilRecovered) {
  Allocator allocator;
  addAgents(allocator, 1);
  ASSERT_TRUE(allocator.addFramework("fw", {"r"}).ok());
  auto offers = allocator.allocate(kStart);
  ASSERT_EQ(offers.size(), 1u);

  EXPECT_TRUE(allocator.allocate(kStart + seconds(1)).empty());
  EXPECT_TRUE(allocator.allocate(kStart + seconds(3600)).empty());

  // A task used part of the offer; the rest comes back and is offered again.
  const Resources used = parse("cpus:1;mem:1024");
  ASSERT_TRUE(allocator.recoverResources("fw", "r", "agent-0", offers[0].resources - used).ok());
  offers = allocator.allocate(kStart + seconds(3601));
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].resources, kAgent - used);

  // The task ends: its resources are free again.
  ASSERT_TRUE(allocator.recoverResources("fw", "r", "agent-0", used).ok());
  EXPECT_EQ(allocator.available("agent-0"), used);
}

TEST(AllocatorTest, RecoveringMoreThanAllocatedReturnsOnlyWhatWasAllocated) {
  Allocator allocator;
  addAgents(allocator, 1);
  ASSERT_TRUE(allocator.addFramework("fw", {"r"}).ok());
  ASSERT_EQ(allocator.allocate(kStart).size(), 1u);
  ASSERT_TRUE(allocator.recoverResources("fw", "r", "agent-0", parse("cpus:100")).ok());
  EXPECT_EQ(allocator.available("agent-0"), parse("cpus:4"));
  EXPECT_DOUBLE_EQ(allocator.allocated("fw").cpus, 0);
  EXPECT_DOUBLE_EQ(allocator.allocated("fw").mem, 4096);
}

TEST(AllocatorTest, RefuseFilterHoldsUntilItsTimePasses) {
  Allocator allocator;
  addAgents(allocator, 1);
  ASSERT_TRUE(allocator.addFramework("fw", {"r"}).ok());
  auto offers = allocator.allocate(kStart);
  ASSERT_EQ(offers.size(), 1u);

  ASSERT_TRUE(
      allocator.recoverResources("fw", "r", "agent-0", offers[0].resources, kStart + seconds(5))
          .ok());
  EXPECT_TRUE(allocator.allocate(kStart + seconds(1)).empty());
  EXPECT_TRUE(allocator.allocate(kStart + seconds(4)).empty());
  EXPECT_EQ(allocator.available("agent-0"), kAgent);  // not allocated, only filtered

  offers = allocator.allocate(kStart + seconds(5));
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].resources, kAgent);
}

TEST(AllocatorTest, FilteredResourcesGoToOtherFrameworks) {
  Allocator allocator;
  addAgents(allocator, 1);
  ASSERT_TRUE(allocator.addFramework("fw-1", {"r"}).ok());
  auto offers = allocator.allocate(kStart);
  ASSERT_EQ(offers.size(), 1u);
  ASSERT_TRUE(allocator.addFramework("fw-2", {"r"}).ok());
  ASSERT_TRUE(
      allocator.recoverResources("fw-1", "r", "agent-0", offers[0].resources, kStart + seconds(60))
          .ok());

  offers = allocator.allocate(kStart + seconds(1));
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].frameworkId, "fw-2");
}

TEST(AllocatorTest, SuppressStopsOffersAndReviveRestoresThem) {
  Allocator allocator;
  addAgents(allocator, 2);
  ASSERT_TRUE(allocator.addFramework("fw", {"r"}).ok());
  ASSERT_TRUE(allocator.suppress("fw").ok());
  EXPECT_TRUE(allocator.allocate(kStart).empty());

  ASSERT_TRUE(allocator.revive("fw").ok());
  EXPECT_EQ(allocator.allocate(kStart + seconds(1)).size(), 2u);
}

TEST(AllocatorTest, ReviveClearsFilters) {
  Allocator allocator;
  addAgents(allocator, 1);
  ASSERT_TRUE(allocator.addFramework("fw", {"r"}).ok());
  auto offers = allocator.allocate(kStart);
  ASSERT_EQ(offers.size(), 1u);
  ASSERT_TRUE(
      allocator.recoverResources("fw", "r", "agent-0", offers[0].resources, kStart + seconds(3600))
          .ok());
  EXPECT_TRUE(allocator.allocate(kStart + seconds(1)).empty());
  ASSERT_TRUE(allocator.revive("fw", "r").ok());
  EXPECT_EQ(allocator.allocate(kStart + seconds(2)).size(), 1u);
}

TEST(AllocatorTest, SuppressedAtSubscriptionPerRole) {
  Allocator allocator;
  addAgents(allocator, 2);
  ASSERT_TRUE(allocator.addFramework("fw", {"a", "b"}, {"a"}).ok());
  auto offers = allocator.allocate(kStart);
  ASSERT_EQ(offers.size(), 2u);
  for (const auto& offer : offers)
    EXPECT_EQ(offer.role, "b");
}

TEST(AllocatorTest, InactiveFrameworksGetNoOffers) {
  Allocator allocator;
  addAgents(allocator, 1);
  ASSERT_TRUE(allocator.addFramework("fw", {"r"}).ok());
  ASSERT_TRUE(allocator.deactivateFramework("fw").ok());
  EXPECT_TRUE(allocator.allocate(kStart).empty());
  ASSERT_TRUE(allocator.activateFramework("fw").ok());
  EXPECT_EQ(allocator.allocate(kStart).size(), 1u);
}

TEST(AllocatorTest, ReservedResourcesGoOnlyToTheirRole) {
  Allocator allocator;
  ASSERT_TRUE(allocator.addAgent("agent-0", parse("cpus(db):2;mem(db):1024;cpus:1")).ok());
  ASSERT_TRUE(allocator.addFramework("fw-web", {"web"}).ok());

  auto offers = allocator.allocate(kStart);
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].resources, parse("cpus:1"));
  EXPECT_TRUE(allocator.allocate(kStart).empty());

  ASSERT_TRUE(allocator.addFramework("fw-db", {"db"}).ok());
  offers = allocator.allocate(kStart);
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].frameworkId, "fw-db");
  EXPECT_EQ(offers[0].resources, parse("cpus(db):2;mem(db):1024"));
}

TEST(AllocatorTest, SubroleMayUseItsParentsReservations) {
  Allocator allocator;
  ASSERT_TRUE(allocator.addAgent("agent-0", parse("cpus(a):2")).ok());
  ASSERT_TRUE(allocator.addFramework("fw", {"a/b"}).ok());
  auto offers = allocator.allocate(kStart);
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].resources, parse("cpus(a):2"));
}

TEST(AllocatorTest, RemovedFrameworksResourcesReturnToThePool) {
  Allocator allocator;
  addAgents(allocator, 2);
  ASSERT_TRUE(allocator.addFramework("fw-1", {"r"}).ok());
  ASSERT_EQ(allocator.allocate(kStart).size(), 2u);
  ASSERT_TRUE(allocator.removeFramework("fw-1").ok());
  EXPECT_EQ(allocator.available("agent-0"), kAgent);
  EXPECT_EQ(allocator.available("agent-1"), kAgent);

  ASSERT_TRUE(allocator.addFramework("fw-2", {"r"}).ok());
  auto counts = countByFramework(allocator.allocate(kStart));
  EXPECT_EQ(counts["fw-2"], 2);
  // Recovering for a framework that is gone is harmless.
  EXPECT_TRUE(allocator.recoverResources("fw-1", "r", "agent-0", kAgent).ok());
}

TEST(AllocatorTest, RemovedAgentLeavesTheCluster) {
  Allocator allocator;
  addAgents(allocator, 2);
  ASSERT_TRUE(allocator.addFramework("fw", {"r"}).ok());
  ASSERT_EQ(allocator.allocate(kStart).size(), 2u);
  ASSERT_TRUE(allocator.removeAgent("agent-0").ok());
  EXPECT_DOUBLE_EQ(allocator.allocated("fw").cpus, 4);
  EXPECT_FALSE(allocator.removeAgent("agent-0").ok());
  EXPECT_TRUE(allocator.recoverResources("fw", "r", "agent-0", kAgent).ok());
}

TEST(AllocatorTest, UpdatedAgentOffersItsNewTotal) {
  Allocator allocator;
  addAgents(allocator, 1);
  ASSERT_TRUE(allocator.addFramework("fw", {"r"}).ok());
  ASSERT_EQ(allocator.allocate(kStart).size(), 1u);
  ASSERT_TRUE(allocator.updateAgent("agent-0", kAgent + parse("cpus:2")).ok());
  auto offers = allocator.allocate(kStart);
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].resources, parse("cpus:2"));
}

TEST(AllocatorTest, RejectsBadInput) {
  Allocator allocator;
  addAgents(allocator, 1);
  EXPECT_FALSE(allocator.addAgent("agent-0", kAgent).ok());
  EXPECT_FALSE(allocator.addFramework("fw", {}).ok());
  EXPECT_FALSE(allocator.addFramework("fw", {"a/../b"}).ok());
  EXPECT_FALSE(allocator.addFramework("fw", {"a"}, {"b"}).ok());
  ASSERT_TRUE(allocator.addFramework("fw", {"a"}).ok());
  EXPECT_FALSE(allocator.addFramework("fw", {"a"}).ok());
  EXPECT_FALSE(allocator.suppress("fw", {"b"}).ok());
  EXPECT_FALSE(allocator.revive("fw", "b").ok());
  EXPECT_FALSE(allocator.revive("nobody").ok());
}

TEST(AllocatorTest, ClaimedResourcesOfRunningTasksAreNotOffered) {
  Allocator allocator;
  addAgents(allocator, 1);
  ASSERT_TRUE(allocator.addFramework("fw", {"*"}).ok());
  // A re-registered agent reports a task of fw using part of it.
  ASSERT_TRUE(allocator.claim("fw", "*", "agent-0", parse("cpus:3;mem:1024")).ok());
  auto offers = allocator.allocate(Clock::now());
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].resources, parse("cpus:1;mem:3072;disk:10000"));
  // More than is free, an unknown agent or framework, or a bad role name: refused.
  EXPECT_FALSE(allocator.claim("fw", "*", "agent-0", parse("cpus:5")).ok());
  EXPECT_FALSE(allocator.claim("fw", "*", "agent-9", parse("cpus:1")).ok());
  EXPECT_FALSE(allocator.claim("nobody", "*", "agent-0", parse("cpus:1")).ok());
  EXPECT_FALSE(allocator.claim("fw", "a/../b", "agent-0", parse("cpus:1")).ok());
  // When the task ends, its share comes back.
  ASSERT_TRUE(allocator.recoverResources("fw", "*", "agent-0", parse("cpus:3;mem:1024")).ok());
  EXPECT_EQ(allocator.available("agent-0"), parse("cpus:3;mem:1024"));
}

TEST(AllocatorTest, ClaimInARoleTheFrameworkLeftHoldsTheResourcesWithoutOffers) {
  Allocator allocator;
  addAgents(allocator, 1);
  ASSERT_TRUE(allocator.addFramework("fw", {"b"}).ok());
  // A re-registered agent reports a task the framework launched in "a" before it left it.
  ASSERT_TRUE(allocator.claim("fw", "a", "agent-0", parse("cpus:3")).ok());
  auto offers = allocator.allocate(kStart);
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].role, "b");
  EXPECT_EQ(offers[0].resources, parse("cpus:1;mem:4096;disk:10000"));
  EXPECT_FALSE(allocator.revive("fw", "a").ok());  // not one of its roles
  ASSERT_TRUE(allocator.recoverResources("fw", "a", "agent-0", parse("cpus:3")).ok());
  ASSERT_TRUE(allocator.recoverResources("fw", "b", "agent-0", offers[0].resources).ok());
  offers = allocator.allocate(kStart);
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].role, "b");
  EXPECT_EQ(offers[0].resources, kAgent);
}

TEST(AllocatorTest, UpdateFrameworkMovesOffersToTheNewRoles) {
  Allocator allocator;
  addAgents(allocator, 1);
  ASSERT_TRUE(allocator.addFramework("fw", {"a"}).ok());
  auto offers = allocator.allocate(kStart);
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].role, "a");

  ASSERT_TRUE(allocator.updateFramework("fw", {"b"}).ok());
  // Still allocated to the role left (an outstanding offer, a task): nothing to offer.
  EXPECT_TRUE(allocator.allocate(kStart).empty());
  // The master rescinds the offer of the role left (a filter there is not kept).
  ASSERT_TRUE(
      allocator.recoverResources("fw", "a", "agent-0", offers[0].resources, kStart + seconds(60))
          .ok());
  offers = allocator.allocate(kStart + seconds(1));
  ASSERT_EQ(offers.size(), 1u);
  EXPECT_EQ(offers[0].role, "b");
  EXPECT_EQ(offers[0].resources, kAgent);
  // Once nothing is allocated to it, the role left is forgotten.
  EXPECT_FALSE(allocator.claim("fw", "a", "agent-0", parse("cpus:1")).ok());
  EXPECT_FALSE(allocator.revive("fw", "a").ok());
}

TEST(AllocatorTest, UpdateFrameworkSetsTheSuppressedRoles) {
  Allocator allocator;
  addAgents(allocator, 2);
  ASSERT_TRUE(allocator.addFramework("fw", {"a"}).ok());
  ASSERT_TRUE(allocator.updateFramework("fw", {"a", "b"}, {"a"}).ok());
  auto offers = allocator.allocate(kStart);
  ASSERT_EQ(offers.size(), 2u);
  for (const auto& offer : offers) {
    EXPECT_EQ(offer.role, "b");
    ASSERT_TRUE(allocator.recoverResources("fw", "b", offer.agentId, offer.resources).ok());
  }
  // "b" suppressed, "a" no longer: offers come for "a" only.
  ASSERT_TRUE(allocator.updateFramework("fw", {"a", "b"}, {"b"}).ok());
  offers = allocator.allocate(kStart);
  ASSERT_EQ(offers.size(), 2u);
  for (const auto& offer : offers)
    EXPECT_EQ(offer.role, "a");
}

TEST(AllocatorTest, UpdateFrameworkRejectsBadInput) {
  Allocator allocator;
  EXPECT_FALSE(allocator.updateFramework("nobody", {"a"}).ok());
  ASSERT_TRUE(allocator.addFramework("fw", {"a"}).ok());
  EXPECT_FALSE(allocator.updateFramework("fw", {}).ok());
  EXPECT_FALSE(allocator.updateFramework("fw", {"a/../b"}).ok());
  EXPECT_FALSE(allocator.updateFramework("fw", {"a"}, {"b"}).ok());
}

}  // namespace
}  // namespace mesolite::master
