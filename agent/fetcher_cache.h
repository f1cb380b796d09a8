// The fetcher cache's book-keeping, without I/O (agent/fetcher.cc does the files): one
// entry per (user, URI), downloaded once however many tasks ask for it at the same time,
// kept within --fetcher_cache_size by evicting the least recently used entries that no
// fetch is using. A failed download leaves no entry.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/result.h"

namespace mesolite::agent {

class FetcherCache {
 public:
  struct Key {
    std::string user;
    std::string uri;
    friend auto operator<=>(const Key&, const Key&) = default;
  };
  using Waiter = std::function<void(Result<void>)>;

  explicit FetcherCache(uint64_t capacity) : capacity_(capacity) {}

  struct Hold {
    uint64_t id = 0;        // the entry's id: a release names it, so a newer entry is safe
    std::string file;       // the entry's file name in the cache directory
    bool download = false;  // new: the caller downloads it, then calls completed()
    bool ready = false;     // downloaded already; else wait() for it
  };
  // Pins the entry of `key` (creating it when missing) until release().
  Hold acquire(const Key& key, const std::string& basename);
  // `waiter` runs when the entry's download ends (see completed()).
  void wait(const Key& key, Waiter waiter);

  struct Outcome {
    std::vector<Waiter> waiters;       // to call with the download's result
    std::vector<std::string> evicted;  // files to delete
  };
  // The download of `key` ended: `size` bytes, or an error (the entry goes).
  Outcome completed(const Key& key, uint64_t id, Result<uint64_t> size);
  // Unpins; returns the files to delete (entries evicted now that they are unused).
  std::vector<std::string> release(const Key& key, uint64_t id);

  // Whether the entry is being downloaded and nobody holds it any more.
  bool abandoned(const Key& key, uint64_t id) const;
  uint64_t used() const;
  size_t size() const { return entries_.size(); }
  bool contains(const Key& key) const { return entries_.count(key) > 0; }

 private:
  struct Entry {
    uint64_t id = 0;
    std::string file;
    uint64_t size = 0;
    bool ready = false;
    int pins = 0;
    uint64_t lastUse = 0;
    std::vector<Waiter> waiters;
  };
  std::vector<std::string> evictToFit();

  uint64_t capacity_;
  uint64_t nextId_ = 1;
  uint64_t clock_ = 0;
  std::map<Key, Entry> entries_;
};

}  // namespace mesolite::agent
