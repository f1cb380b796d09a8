#include "agent/fetcher_cache.h"

namespace mesolite::agent {

namespace {

// Readable names in the cache directory, short enough for any file system.
std::string entryFile(uint64_t id, const std::string& basename) {
  std::string name;
  for (char c : basename.substr(0, 100))
    name += (std::isalnum(uint8_t(c)) || c == '.' || c == '-' || c == '_') ? c : '_';
  return "c" + std::to_string(id) + "-" + name;
}

}  // namespace

FetcherCache::Hold FetcherCache::acquire(const Key& key, const std::string& basename) {
  auto [it, created] = entries_.try_emplace(key);
  Entry& entry = it->second;
  if (created) {
    entry.id = nextId_++;
    entry.file = entryFile(entry.id, basename);
  }
  ++entry.pins;
  entry.lastUse = ++clock_;
  return Hold{.id = entry.id, .file = entry.file, .download = created, .ready = entry.ready};
}

void FetcherCache::wait(const Key& key, Waiter waiter) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return waiter(Error("the cache entry is gone"));
  if (it->second.ready) return waiter(success());
  it->second.waiters.push_back(std::move(waiter));
}

FetcherCache::Outcome FetcherCache::completed(const Key& key, uint64_t id, Result<uint64_t> size) {
  Outcome outcome;
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.id != id) return outcome;
  outcome.waiters = std::move(it->second.waiters);
  if (!size) {
    entries_.erase(it);
    for (auto& waiter : outcome.waiters) {
      auto error = size.error();
      waiter = [waiter = std::move(waiter), error](Result<void>) { waiter(error); };
    }
    return outcome;
  }
  it->second.ready = true;
  it->second.size = *size;
  outcome.evicted = evictToFit();
  return outcome;
}

std::vector<std::string> FetcherCache::release(const Key& key, uint64_t id) {
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.id != id || it->second.pins == 0) return {};
  --it->second.pins;
  return evictToFit();
}

bool FetcherCache::abandoned(const Key& key, uint64_t id) const {
  auto it = entries_.find(key);
  return it != entries_.end() && it->second.id == id && !it->second.ready && it->second.pins == 0;
}

uint64_t FetcherCache::used() const {
  uint64_t total = 0;
  for (const auto& [key, entry] : entries_)
    total += entry.ready ? entry.size : 0;
  return total;
}

std::vector<std::string> FetcherCache::evictToFit() {
  std::vector<std::string> evicted;
  uint64_t total = used();
  while (total > capacity_) {
    auto victim = entries_.end();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (!it->second.ready || it->second.pins > 0) continue;
      if (victim == entries_.end() || it->second.lastUse < victim->second.lastUse) victim = it;
    }
    // Every entry is in use: the cache stays over its size until one is released.
    if (victim == entries_.end()) break;
    total -= victim->second.size;
    evicted.push_back(victim->second.file);
    entries_.erase(victim);
  }
  return evicted;
}

}  // namespace mesolite::agent
