// The registrar (master-lite/registrar.h) over a scripted store: changes are batched into
// few stores, a change during a store goes out in the next one, a failed or slow store ends
// the leadership, pruning keeps the registry bounded; and the file store round-trips and
// refuses a damaged record by its path.
#include "master-lite/registrar.h"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <fstream>

#include "master-lite/agent_removal.h"
#include "master-lite/registry_file.h"

namespace mesolite::master {
namespace {

using namespace std::chrono_literals;

// Holds each store until the test answers it.
class ScriptedStore : public RegistryStore {
 public:
  struct State {
    std::vector<internal::Registry> stored;
    std::function<void(Result<void>)> pending;
    internal::Registry initial;
  };
  explicit ScriptedStore(std::shared_ptr<State> state) : state_(std::move(state)) {}
  std::string describe() const override { return "scripted"; }
  void fetch(std::function<void(Result<internal::Registry>)> done) override {
    done(state_->initial);
  }
  void store(const internal::Registry& registry, std::function<void(Result<void>)> done) override {
    state_->stored.push_back(registry);
    state_->pending = std::move(done);
  }

 private:
  std::shared_ptr<State> state_;
};

mesos::v1::AgentInfo agent(const std::string& id) {
  mesos::v1::AgentInfo info;
  info.set_hostname("host-" + id);
  info.mutable_id()->set_value(id);
  return info;
}

struct Fixture {
  boost::asio::io_context io;
  std::shared_ptr<ScriptedStore::State> state = std::make_shared<ScriptedStore::State>();
  std::vector<std::string> failures;
  std::unique_ptr<Registrar> registrar;

  explicit Fixture(RegistrarOptions options = {}) {
    registrar =
        std::make_unique<Registrar>(io, std::make_unique<ScriptedStore>(state), options,
                                    [this](const Error& e) { failures.push_back(e.message); });
    bool recovered = false;
    registrar->recover([&](Result<internal::Registry> r) { recovered = r.ok(); });
    io.run_for(50ms);
    io.restart();
    EXPECT_TRUE(recovered);
  }
  void turn() {
    io.run_for(20ms);
    io.restart();
  }
  void answer(Result<void> result = success()) {
    ASSERT_TRUE(state->pending);
    auto done = std::move(state->pending);
    state->pending = nullptr;
    done(std::move(result));
    turn();
  }
};

TEST(Registrar, ChangesOfOneTurnGoOutInOneStoreAndLaterOnesInTheNext) {
  Fixture f;
  int durable = 0;
  for (int i = 0; i < 100; ++i)
    f.registrar->admitAgent(agent("a" + std::to_string(i)), [&] { ++durable; });
  f.turn();
  ASSERT_EQ(f.state->stored.size(), 1u);
  EXPECT_EQ(f.state->stored[0].agents_size(), 100);
  EXPECT_EQ(durable, 0);  // not before the store is done

  // While the store is in flight: these wait for the next one.
  f.registrar->markUnreachable("a1", 10);
  mesos::v1::FrameworkInfo framework;
  framework.mutable_id()->set_value("f1");
  f.registrar->addFramework(framework);
  f.turn();
  EXPECT_EQ(f.state->stored.size(), 1u);
  f.answer();
  EXPECT_EQ(durable, 100);
  ASSERT_EQ(f.state->stored.size(), 2u);
  EXPECT_EQ(f.state->stored[1].agents_size(), 99);
  EXPECT_EQ(f.state->stored[1].unreachable_size(), 1);
  EXPECT_EQ(f.state->stored[1].frameworks_size(), 1);
  f.answer();
  EXPECT_EQ(f.state->stored.size(), 2u);  // nothing more to store
  EXPECT_TRUE(f.failures.empty());
}

TEST(Registrar, AFailedStoreEndsTheLeadershipAndNothingIsAcknowledged) {
  Fixture f;
  bool durable = false;
  f.registrar->admitAgent(agent("a"), [&] { durable = true; });
  f.turn();
  f.answer(Error("znode version moved: another leader wrote"));
  EXPECT_FALSE(durable);
  ASSERT_EQ(f.failures.size(), 1u);
  EXPECT_NE(f.failures[0].find("another leader wrote"), std::string::npos);
  EXPECT_NE(f.failures[0].find("scripted"), std::string::npos);
}

TEST(Registrar, AStoreSlowerThanTheTimeoutEndsTheLeadership) {
  Fixture f(RegistrarOptions{.storeTimeout = 30ms});
  f.registrar->admitAgent(agent("a"));
  f.io.run_for(100ms);
  f.io.restart();
  ASSERT_EQ(f.failures.size(), 1u);
  EXPECT_NE(f.failures[0].find("--registry_store_timeout"), std::string::npos);
  // Its late answer changes nothing.
  f.answer();
  EXPECT_EQ(f.failures.size(), 1u);
}

TEST(Registrar, PruningDropsOldAndExcessUnreachableAgents) {
  Fixture f(RegistrarOptions{.maxAgentAge = 100s, .maxAgentCount = 2});
  f.registrar->markUnreachable("old", 0);
  for (int i = 0; i < 4; ++i)
    f.registrar->markGone("gone" + std::to_string(i), 900 + i);
  f.registrar->prune(1000);
  EXPECT_FALSE(f.registrar->isUnreachable("old"));  // older than 100 s
  EXPECT_FALSE(f.registrar->isGone("gone0"));       // beyond the count: the oldest go
  EXPECT_FALSE(f.registrar->isGone("gone1"));
  EXPECT_TRUE(f.registrar->isGone("gone2"));
  EXPECT_TRUE(f.registrar->isGone("gone3"));
}

TEST(RegistryFile, RoundTripsAndRefusesADamagedRecordByItsPath) {
  internal::Registry registry;
  *registry.add_agents()->mutable_info() = agent("a");
  auto* weight = registry.add_weights();
  weight->set_role("prod");
  weight->set_weight(2);
  const std::string record = encodeRegistryRecord(registry);
  auto decoded = decodeRegistryRecord(record, "/var/lib/mesos/registry/registry.pb");
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->SerializeAsString(), registry.SerializeAsString());
  for (const std::string& damaged : {record.substr(0, record.size() - 1), "x" + record,
                                     record.substr(0, record.size() - 1) + "Z", std::string()}) {
    auto refused = decodeRegistryRecord(damaged, "/var/lib/mesos/registry/registry.pb");
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().message.find("/var/lib/mesos/registry/registry.pb is corrupt"),
              std::string::npos)
        << refused.error().message;
  }
}

TEST(RegistryFile, StoresAndFetchesOffTheLoop) {
  char path[] = "/tmp/mesolite-registrar-XXXXXX";
  const std::string dir = ::mkdtemp(path);
  boost::asio::io_context io;
  // The store answers from its own thread: the loop must wait for it.
  auto guard = boost::asio::make_work_guard(io);
  {
    auto store = openFileRegistry(io, dir);
    ASSERT_TRUE(store.ok()) << store.error().message;
    auto again = openFileRegistry(io, dir);
    ASSERT_FALSE(again.ok());
    EXPECT_NE(again.error().message.find("in use by another master"), std::string::npos);
    internal::Registry registry;
    *registry.add_agents()->mutable_info() = agent("a");
    bool stored = false;
    (*store)->store(registry, [&](Result<void> r) { stored = r.ok(); });
    io.run_one_for(5s);
    EXPECT_TRUE(stored);
    std::optional<internal::Registry> fetched;
    (*store)->fetch([&](Result<internal::Registry> r) {
      if (r) fetched = *r;
    });
    io.run_one_for(5s);
    ASSERT_TRUE(fetched);
    EXPECT_EQ(fetched->agents_size(), 1);
  }
  std::filesystem::remove_all(dir);
}

TEST(AgentRemoval, RatesAndPercentagesAreParsedOrNamed) {
  auto rate = parseRemovalRateLimit("2/10mins");
  ASSERT_TRUE(rate.ok());
  EXPECT_EQ(rate->interval(), std::chrono::minutes(5));
  EXPECT_FALSE(parseRemovalRateLimit("0/1secs").ok());
  EXPECT_FALSE(parseRemovalRateLimit("1/").ok());
  EXPECT_FALSE(parseRemovalRateLimit("fast").ok());
  EXPECT_DOUBLE_EQ(*parsePercentage("75%"), 0.75);
  EXPECT_FALSE(parsePercentage("101%").ok());
  EXPECT_FALSE(parsePercentage("50").ok());
  EXPECT_FALSE(parsePercentage("nan%").ok());
}

}  // namespace
}  // namespace mesolite::master
