#include "fetcher/fetch_plan.h"

#include <nlohmann/json.hpp>
#include <set>

#include "common/fetch_uri.h"

namespace mesolite::fetch {

namespace {

using json = nlohmann::json;

Result<void> onlyKeys(const json& object, const std::set<std::string>& known,
                      const std::string& where) {
  for (const auto& [key, value] : object.items()) {
    if (!known.count(key)) return Error(where + ": unknown key '" + key + "'");
  }
  return success();
}

Result<std::string> textField(const json& object, const char* key, const std::string& where) {
  const auto& value = object.at(key);
  if (!value.is_string()) return Error(where + ": '" + key + "' must be a string");
  return value.get<std::string>();
}

Result<bool> boolean(const json& object, const char* key, const std::string& where) {
  if (!object.contains(key)) return false;
  const auto& value = object.at(key);
  if (!value.is_boolean()) return Error(where + ": '" + key + "' must be true or false");
  return value.get<bool>();
}

Result<uint64_t> count(const json& object, const char* key) {
  if (!object.contains(key)) return uint64_t(0);
  const auto& value = object.at(key);
  if (!value.is_number_unsigned()) {
    return Error(std::string("fetch plan: '") + key + "' must be a non-negative integer");
  }
  return value.get<uint64_t>();
}

Result<void> absolutePath(const std::string& path, const std::string& what) {
  if (path.empty() || path[0] != '/') return Error(what + " '" + path + "' is not absolute");
  if (path.find('\0') != std::string::npos) return Error(what + " holds NUL");
  if (path.find("/../") != std::string::npos || path.ends_with("/..") ||
      path.find("/./") != std::string::npos || path.ends_with("/.")) {
    return Error(what + " '" + path + "' holds '.' or '..'");
  }
  return success();
}

Result<Action> parseAction(const std::string& name, const std::string& where) {
  if (name == "SANDBOX") return Action::kSandbox;
  if (name == "FROM_CACHE") return Action::kFromCache;
  if (name == "INTO_CACHE") return Action::kIntoCache;
  return Error(where + ": unknown action '" + name + "' (SANDBOX, FROM_CACHE or INTO_CACHE)");
}

Result<PlanItem> parseItem(const json& object, size_t index) {
  const std::string where = "fetch plan item " + std::to_string(index);
  if (!object.is_object()) return Error(where + " is not an object");
  if (auto ok = onlyKeys(
          object, {"uri", "action", "cache_file", "extract", "executable", "output_file"}, where);
      !ok)
    return ok.error();
  if (!object.contains("uri")) return Error(where + ": 'uri' is missing");
  PlanItem item;
  auto uri = textField(object, "uri", where);
  if (!uri) return uri.error();
  item.uri = *uri;
  if (object.contains("action")) {
    auto name = textField(object, "action", where);
    if (!name) return name.error();
    auto action = parseAction(*name, where);
    if (!action) return action.error();
    item.action = *action;
  }
  if (object.contains("cache_file")) {
    auto file = textField(object, "cache_file", where);
    if (!file) return file.error();
    item.cacheFile = *file;
  }
  auto extract = boolean(object, "extract", where);
  if (!extract) return extract.error();
  auto executable = boolean(object, "executable", where);
  if (!executable) return executable.error();
  item.extract = *extract;
  item.executable = *executable;
  if (object.contains("output_file")) {
    auto output = textField(object, "output_file", where);
    if (!output) return output.error();
    item.outputFile = *output;
  }
  if (auto ok = validateFetch(item.uri, item.outputFile ? &*item.outputFile : nullptr); !ok) {
    return ok.error().wrap(where);
  }
  if (item.action == Action::kSandbox) {
    if (!item.cacheFile.empty()) return Error(where + ": 'cache_file' without a cache action");
  } else if (auto ok = absolutePath(item.cacheFile, where + ": cache_file"); !ok) {
    return ok.error();
  }
  if (item.action == Action::kIntoCache && (item.extract || item.executable || item.outputFile)) {
    return Error(where + ": INTO_CACHE takes no extract, executable or output_file");
  }
  return item;
}

}  // namespace

const char* actionName(Action action) {
  switch (action) {
    case Action::kSandbox:
      return "SANDBOX";
    case Action::kFromCache:
      return "FROM_CACHE";
    case Action::kIntoCache:
      return "INTO_CACHE";
  }
  return "?";
}

Result<FetchPlan> FetchPlan::parse(std::string_view text) {
  if (text.size() > kMaxPlanBytes) return Error("fetch plan is larger than 1 MiB");
  const json document = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) return Error("fetch plan is not valid JSON");
  if (!document.is_object()) return Error("fetch plan is not a JSON object");
  if (auto ok = onlyKeys(document, {"sandbox", "user", "stall_timeout_ms", "max_bytes", "items"},
                         "fetch plan");
      !ok)
    return ok.error();
  FetchPlan plan;
  if (!document.contains("sandbox")) return Error("fetch plan: 'sandbox' is missing");
  auto sandbox = textField(document, "sandbox", "fetch plan");
  if (!sandbox) return sandbox.error();
  if (auto ok = absolutePath(*sandbox, "fetch plan: sandbox"); !ok) return ok.error();
  plan.sandbox = *sandbox;
  if (document.contains("user")) {
    auto user = textField(document, "user", "fetch plan");
    if (!user) return user.error();
    if (user->empty() || user->find('\0') != std::string::npos)
      return Error("fetch plan: 'user' is empty or holds NUL");
    plan.user = *user;
  }
  auto stall = count(document, "stall_timeout_ms");
  if (!stall) return stall.error();
  auto max = count(document, "max_bytes");
  if (!max) return max.error();
  plan.stallTimeoutMs = *stall;
  plan.maxBytes = *max;
  if (!document.contains("items") || !document.at("items").is_array())
    return Error("fetch plan: 'items' must be an array");
  const auto& items = document.at("items");
  if (items.empty()) return Error("fetch plan: 'items' is empty");
  if (items.size() > kMaxPlanItems) return Error("fetch plan: more than 1000 items");
  for (size_t i = 0; i < items.size(); ++i) {
    auto item = parseItem(items[i], i);
    if (!item) return item.error();
    plan.items.push_back(std::move(*item));
  }
  return plan;
}

std::string FetchPlan::encode() const {
  json document = {{"sandbox", sandbox},
                   {"stall_timeout_ms", stallTimeoutMs},
                   {"max_bytes", maxBytes},
                   {"items", json::array()}};
  if (user) document["user"] = *user;
  for (const PlanItem& item : items) {
    json entry = {{"uri", item.uri}, {"action", actionName(item.action)}};
    if (!item.cacheFile.empty()) entry["cache_file"] = item.cacheFile;
    if (item.extract) entry["extract"] = true;
    if (item.executable) entry["executable"] = true;
    if (item.outputFile) entry["output_file"] = *item.outputFile;
    document["items"].push_back(std::move(entry));
  }
  // Replacement of invalid UTF-8 rather than an exception: the parser refuses it later.
  return document.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace mesolite::fetch
