// What the agent asks of mesos-fetcher: a JSON document on the helper's fd 3, parsed
// strictly (an unknown key or a wrong type is an error naming it). The agent decides
// everything about the cache; the helper only downloads, copies and extracts.
//
//   {"sandbox": "/abs/sandbox", "user": "nobody", "stall_timeout_ms": 60000,
//    "max_bytes": 0,
//    "items": [{"uri": "http://...", "action": "SANDBOX" | "FROM_CACHE" | "INTO_CACHE",
//               "cache_file": "/abs/cache/c1-x.tgz", "extract": true, "executable": false,
//               "output_file": "dir/name"}]}
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace mesolite::fetch {

enum class Action {
  kSandbox,    // download or copy straight into the sandbox
  kFromCache,  // copy cache_file (opened as root) into the sandbox
  kIntoCache,  // download or copy into cache_file (created by root), nothing else
};

struct PlanItem {
  std::string uri;
  Action action = Action::kSandbox;
  std::string cacheFile;  // absolute; only for kFromCache and kIntoCache
  bool extract = false;
  bool executable = false;
  std::optional<std::string> outputFile;
};

struct FetchPlan {
  std::string sandbox;              // absolute; the helper's stdout/stderr go to files in it
  std::optional<std::string> user;  // the sandbox's owner; the work is done as this user
  uint64_t stallTimeoutMs = 0;      // 0: no stall timeout
  uint64_t maxBytes = 0;            // per download; 0: no cap
  std::vector<PlanItem> items;

  static Result<FetchPlan> parse(std::string_view json);
  std::string encode() const;
};

inline constexpr size_t kMaxPlanBytes = 1 << 20;
inline constexpr size_t kMaxPlanItems = 1000;

const char* actionName(Action action);

}  // namespace mesolite::fetch
