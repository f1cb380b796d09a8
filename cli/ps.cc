#include "cli/ps.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

namespace mesolite::cli {

PsFlags::PsFlags()
    : set("mesos-ps",
          "Lists the running tasks of a cluster: their user, framework, name, agent, memory "
          "(used/limit), CPU time and CPUs.") {
  set.add(&master, "master",
          "The master: HOST:PORT, http://HOST:PORT, or zk://HOST:PORT[,HOST:PORT...]/PATH "
          "to ask the leading master of a ZooKeeper group")
      .required();
  set.add(&timeout, "timeout",
          "How long to wait for the master and each agent, in seconds or as a duration",
          std::string("5"));
  set.add(&verbose, "verbose",
          "Say on stderr which master answered and why an agent's statistics are missing "
          "(its tasks then show their allocation)",
          false);
}

ResolveFlags::ResolveFlags()
    : set("mesos-resolve",
          "Prints the leading master's HOST:PORT: the leader of the ZooKeeper group given "
          "as the one argument (zk://HOST:PORT[,HOST:PORT...]/PATH, as in "
          "`mesos-resolve $(cat /etc/mesos/zk)`), or the leader a master given as HOST:PORT "
          "names.") {
  set.add(&timeout, "timeout",
          "How long to wait to resolve the master, in seconds or as a duration", std::string("5"));
  set.add(&verbose, "verbose", "Say on stderr whom was asked and what they answered", false);
}

namespace {

using nlohmann::json;

struct Column {
  const char* title;
  size_t padding;
  size_t width() const { return std::char_traits<char>::length(title) + padding; }
};

// Widths as in Mesos's mesos-ps: the title plus padding; the last column is not cut.
constexpr Column kColumns[] = {
    {"USER", 4},  {"FRAMEWORK", 4},       {"TASK", 6}, {"SLAVE", 14}, {"MEM", 16},
    {"TIME", 14}, {"CPU (allocated)", 0},
};

// Pads to the column's width, or cuts the text and marks the cut with "... ".
std::string cell(const Column& column, const std::string& text) {
  const size_t width = column.width();
  if (text.size() < width) return text + std::string(width - text.size(), ' ');
  return text.substr(0, width - 4) + "... ";
}

std::string stringField(const json& object, const char* name) {
  if (!object.is_object()) return "";
  auto it = object.find(name);
  if (it == object.end()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number()) return it->dump();
  return "";
}

std::optional<double> numberField(const json* object, const char* name) {
  if (object == nullptr || !object->is_object()) return std::nullopt;
  auto it = object->find(name);
  if (it == object->end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

// Python's str(float): the shortest form that reads back, always with a decimal point.
std::string formatCpus(double value) {
  std::string text = fmt::format("{}", value);
  if (text.find_first_of(".en") == std::string::npos) text += ".0";
  return text;
}

bool terminalState(const std::string& state) {
  return state == "TASK_FINISHED" || state == "TASK_FAILED" || state == "TASK_KILLED" ||
         state == "TASK_ERROR" || state == "TASK_LOST" || state == "TASK_DROPPED" ||
         state == "TASK_GONE" || state == "TASK_GONE_BY_OPERATOR";
}

// The task's entry in its agent's statistics: same framework, and the same executor,
// which for a command task (no executor in the master) has the task's id.
const json* findStatistics(const json& task, const json* statistics) {
  if (statistics == nullptr || !statistics->is_array()) return nullptr;
  const std::string frameworkId = stringField(task, "framework_id");
  std::string executorId = stringField(task, "executor_id");
  if (executorId.empty()) executorId = stringField(task, "id");
  for (const json& entry : *statistics) {
    if (stringField(entry, "framework_id") == frameworkId &&
        stringField(entry, "executor_id") == executorId && entry.contains("statistics")) {
      return &entry["statistics"];
    }
  }
  return nullptr;
}

template <typename F>
void forEachTask(const json& state, F&& visit) {
  if (!state.is_object() || !state.contains("frameworks") || !state["frameworks"].is_array()) {
    return;
  }
  for (const json& framework : state["frameworks"]) {
    if (!framework.is_object() || !framework.contains("tasks") || !framework["tasks"].is_array()) {
      continue;
    }
    for (const json& task : framework["tasks"]) {
      if (!task.is_object() || terminalState(stringField(task, "state"))) continue;
      visit(framework, task);
    }
  }
}

}  // namespace

Result<http::Endpoint> agentEndpoint(const json& slave) {
  const std::string pid = stringField(slave, "pid");
  if (const size_t at = pid.find('@'); at != std::string::npos) {
    return http::Endpoint::parse(pid.substr(at + 1));
  }
  const std::string hostname = stringField(slave, "hostname");
  if (hostname.empty()) return Error("agent '" + stringField(slave, "id") + "' has no address");
  const double port = numberField(&slave, "port").value_or(5051);
  return http::Endpoint::parse(hostname + ":" + std::to_string(static_cast<long>(port)));
}

std::map<std::string, http::Endpoint> agentsWithTasks(const json& state) {
  std::map<std::string, bool> used;
  forEachTask(state, [&](const json&, const json& task) { used[stringField(task, "slave_id")]; });
  std::map<std::string, http::Endpoint> agents;
  if (!state.is_object() || !state.contains("slaves") || !state["slaves"].is_array()) return agents;
  for (const json& slave : state["slaves"]) {
    const std::string id = stringField(slave, "id");
    if (used.count(id) == 0) continue;
    if (auto endpoint = agentEndpoint(slave)) agents.emplace(id, *endpoint);
  }
  return agents;
}

std::string formatDataSize(double bytes) {
  if (bytes < 1024) return fmt::format("{:.1f} B", bytes);
  if (bytes < 1024.0 * 1024) return fmt::format("{:.1f} KB", bytes / 1024);
  if (bytes < 1024.0 * 1024 * 1024) return fmt::format("{:.1f} MB", bytes / (1024.0 * 1024));
  return fmt::format("{:.1f} GB", bytes / (1024.0 * 1024 * 1024));
}

std::string formatCpuTime(double seconds) {
  if (!(seconds >= 0)) seconds = 0;
  const auto micros = static_cast<long long>(std::llround(seconds * 1e6));
  const long long totalSeconds = micros / 1000000;
  return fmt::format("{:02}:{:02}:{:02}.{:06}", totalSeconds / 3600, totalSeconds / 60 % 60,
                     totalSeconds % 60, micros % 1000000);
}

std::string formatPsTable(const json& state, const std::map<std::string, json>& statistics) {
  std::map<std::string, std::string> hostnames;
  if (state.is_object() && state.contains("slaves") && state["slaves"].is_array()) {
    for (const json& slave : state["slaves"]) {
      hostnames[stringField(slave, "id")] = stringField(slave, "hostname");
    }
  }

  std::string out;
  for (const Column& column : kColumns)
    out += std::string(column.title) + std::string(column.padding, ' ');

  forEachTask(state, [&](const json& framework, const json& task) {
    const std::string agentId = stringField(task, "slave_id");
    auto agentStats = statistics.find(agentId);
    const json* stats =
        findStatistics(task, agentStats == statistics.end() ? nullptr : &agentStats->second);
    const json resources = task.contains("resources") ? task["resources"] : json::object();

    std::string mem = "-";
    std::string time = "-";
    std::string cpus = "-";
    auto rss = numberField(stats, "mem_rss_bytes");
    auto limit = numberField(stats, "mem_limit_bytes");
    auto allocatedMem = numberField(&resources, "mem");  // MB
    if (!limit && allocatedMem) limit = *allocatedMem * 1024 * 1024;
    if (rss || limit) {
      mem = (rss ? formatDataSize(*rss) : "-") + "/" + (limit ? formatDataSize(*limit) : "-");
    }
    auto user = numberField(stats, "cpus_user_time_secs");
    auto system = numberField(stats, "cpus_system_time_secs");
    if (user && system) time = formatCpuTime(*user + *system);
    auto cpusLimit = numberField(stats, "cpus_limit");
    if (!cpusLimit) cpusLimit = numberField(&resources, "cpus");
    if (cpusLimit) cpus = formatCpus(*cpusLimit);

    std::string hostname = hostnames.count(agentId) ? hostnames[agentId] : "";
    if (hostname.empty()) hostname = agentId;

    out += "\n";
    out += cell(kColumns[0], stringField(framework, "user"));
    out += cell(kColumns[1], stringField(framework, "name"));
    out += cell(kColumns[2], stringField(task, "name"));
    out += cell(kColumns[3], hostname);
    out += cell(kColumns[4], mem);
    out += cell(kColumns[5], time);
    out += cpus;
  });
  out += "\n";
  return out;
}

Result<Duration> parseTimeout(const std::string& text) {
  double seconds = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (ec == std::errc() && end == text.data() + text.size()) {
    if (!(seconds > 0)) return Error("--timeout: must be positive, got '" + text + "'");
    return Duration{std::chrono::nanoseconds(static_cast<int64_t>(seconds * 1e9))};
  }
  auto duration = Duration::parse(text);
  if (!duration) return duration.error().wrap("--timeout");
  if (duration->value.count() <= 0) return Error("--timeout: must be positive, got '" + text + "'");
  return *duration;
}

}  // namespace mesolite::cli
