// The fetcher cache's book-keeping: one download per (user, URI) however many fetches
// wait for it, LRU eviction within the size, entries in use kept, failures leave nothing.
#include "agent/fetcher_cache.h"

#include <gtest/gtest.h>

namespace mesolite::agent {
namespace {

using Key = FetcherCache::Key;

TEST(FetcherCache, ConcurrentFetchesOfOneUriShareOneDownload) {
  FetcherCache cache(1000);
  const Key key{"nobody", "http://h/a.tgz"};
  auto first = cache.acquire(key, "a.tgz");
  auto second = cache.acquire(key, "a.tgz");
  EXPECT_TRUE(first.download);
  EXPECT_FALSE(second.download);  // coalesced: the first one downloads
  EXPECT_FALSE(second.ready);
  EXPECT_EQ(first.id, second.id);
  EXPECT_EQ(first.file, "c1-a.tgz");
  int told = 0;
  cache.wait(key, [&](Result<void> ready) { told += ready ? 1 : 100; });
  cache.wait(key, [&](Result<void> ready) { told += ready ? 1 : 100; });
  EXPECT_EQ(told, 0);
  auto outcome = cache.completed(key, first.id, uint64_t(10));
  for (auto& waiter : outcome.waiters)
    waiter(success());
  EXPECT_EQ(told, 2);
  // Another user's fetch of the same URI is another entry.
  EXPECT_TRUE(cache.acquire(Key{"root", key.uri}, "a.tgz").download);
  // Later fetches find it ready.
  auto third = cache.acquire(key, "a.tgz");
  EXPECT_TRUE(third.ready);
  EXPECT_FALSE(third.download);
}

TEST(FetcherCache, FailedDownloadLeavesNoEntryAndTellsEveryWaiter) {
  FetcherCache cache(1000);
  const Key key{"u", "http://h/missing"};
  auto hold = cache.acquire(key, "missing");
  std::string error;
  cache.wait(key, [&](Result<void> ready) { error = ready ? "" : ready.error().message; });
  auto outcome = cache.completed(key, hold.id, Error("received HTTP return code 404"));
  for (auto& waiter : outcome.waiters)
    waiter(success());
  EXPECT_EQ(error, "received HTTP return code 404");
  EXPECT_FALSE(cache.contains(key));
  EXPECT_EQ(cache.used(), 0u);
  // A release of the failed entry does not touch a newer one of the same key.
  auto again = cache.acquire(key, "missing");
  EXPECT_TRUE(again.download);
  EXPECT_NE(again.id, hold.id);
  EXPECT_TRUE(cache.release(key, hold.id).empty());
  EXPECT_FALSE(cache.abandoned(key, again.id));
}

TEST(FetcherCache, EvictsLeastRecentlyUsedUnusedEntriesToFit) {
  FetcherCache cache(100);
  auto fill = [&](const std::string& uri, uint64_t size) {
    const Key key{"u", uri};
    auto hold = cache.acquire(key, uri);
    auto outcome = cache.completed(key, hold.id, size);
    EXPECT_TRUE(outcome.evicted.empty());
    EXPECT_TRUE(cache.release(key, hold.id).empty());
    return hold;
  };
  fill("a", 40);
  auto b = fill("b", 40);
  // "a" used again: "b" is now the least recently used.
  auto a = cache.acquire(Key{"u", "a"}, "a");
  EXPECT_TRUE(cache.release(Key{"u", "a"}, a.id).empty());
  const Key c{"u", "c"};
  auto hold = cache.acquire(c, "c");
  auto outcome = cache.completed(c, hold.id, uint64_t(40));
  ASSERT_EQ(outcome.evicted.size(), 1u);
  EXPECT_EQ(outcome.evicted[0], b.file);
  EXPECT_EQ(cache.used(), 80u);
  EXPECT_TRUE(cache.contains(Key{"u", "a"}));
  EXPECT_FALSE(cache.contains(Key{"u", "b"}));
}

TEST(FetcherCache, EntriesInUseAreNotEvictedUntilReleased) {
  FetcherCache cache(100);
  const Key a{"u", "a"}, b{"u", "b"};
  auto holdA = cache.acquire(a, "a");
  (void)cache.completed(a, holdA.id, uint64_t(80));
  auto holdB = cache.acquire(b, "b");
  auto outcome = cache.completed(b, holdB.id, uint64_t(80));
  EXPECT_TRUE(outcome.evicted.empty());  // both in use: over the size for now
  EXPECT_EQ(cache.used(), 160u);
  auto evicted = cache.release(a, holdA.id);
  ASSERT_EQ(evicted.size(), 1u);
  EXPECT_EQ(evicted[0], holdA.file);
  EXPECT_EQ(cache.used(), 80u);
}

TEST(FetcherCache, DownloadLargerThanTheCacheIsUsedOnceNotKept) {
  FetcherCache cache(100);
  const Key big{"u", "big"};
  auto hold = cache.acquire(big, "big");
  EXPECT_TRUE(cache.completed(big, hold.id, uint64_t(500)).evicted.empty());
  auto evicted = cache.release(big, hold.id);
  ASSERT_EQ(evicted.size(), 1u);
  EXPECT_EQ(evicted[0], hold.file);
  EXPECT_FALSE(cache.contains(big));
}

TEST(FetcherCache, DownloadNobodyHoldsAnyMoreIsAbandoned) {
  FetcherCache cache(100);
  const Key key{"u", "slow"};
  auto one = cache.acquire(key, "slow");
  auto two = cache.acquire(key, "slow");
  EXPECT_TRUE(cache.release(key, one.id).empty());
  EXPECT_FALSE(cache.abandoned(key, one.id));  // the second fetch still waits
  EXPECT_TRUE(cache.release(key, two.id).empty());
  EXPECT_TRUE(cache.abandoned(key, one.id));
}

TEST(FetcherCache, FileNamesAreSafe) {
  FetcherCache cache(100);
  EXPECT_EQ(cache.acquire(Key{"u", "x"}, "get?x=1&y=../z").file, "c1-get_x_1_y_.._z");
}

}  // namespace
}  // namespace mesolite::agent
