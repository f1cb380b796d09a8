// mesos-cat and mesos-tail (also `mesos cat`, `mesos tail`): one program, built twice
// with MESOS_TAIL set or not. A task's sandbox file, read page by page through its
// agent's /files/read; tail then polls for more until the task has ended.
#include <chrono>
#include <iostream>
#include <thread>

#include "cli/find_leader.h"
#include "cli/ps.h"
#include "cli/task_files.h"
#include "common/daemon_endpoints.h"

using namespace mesolite;
using nlohmann::json;

namespace {

#ifdef MESOS_TAIL
constexpr bool kTail = true;
#else
constexpr bool kTail = false;
#endif
constexpr const char* kProgram = kTail ? "mesos-tail" : "mesos-cat";
constexpr auto kPollInterval = std::chrono::milliseconds(500);
// Empty polls between asking the agent whether the task still runs.
constexpr int kPollsPerStateCheck = 4;

int fail(const std::string& message) {
  std::cerr << kProgram << ": " << message << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  cli::TaskFileFlags flags(kTail);
  if (auto exit = loadDaemonFlags(flags.set, argc, argv)) return *exit;
  auto wait = cli::parseTimeout(flags.timeout);
  if (!wait) return fail(wait.error().message);
  http::ClientOptions options;
  options.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(wait->value);
  cli::logToStderr(kProgram, false);
  auto leader = cli::findLeader(*flags.master, options.timeout);
  if (!leader) return fail(leader.error().message);
  const http::Endpoint* master = &leader->endpoint;

  auto state = cli::getJson(*master, "/master/state", {}, options);
  if (!state) return fail("Failed to get the master state: " + state.error().message);
  auto task = cli::locateTask(*state, *flags.framework, *flags.task);
  if (!task) return fail(task.error().message);
  auto agentState = cli::getJson(task->agent, "/state", {}, options);
  if (!agentState) return fail("Failed to get the agent state: " + agentState.error().message);
  auto directory = cli::executorDirectory(*agentState, *flags.framework, task->executorId);
  if (!directory) return fail(directory.error().message);
  const std::string path = *directory + "/" + flags.file;

  uint64_t offset = 0;
  int emptyPolls = 0;
  bool ended = !kTail || !flags.follow;
  for (;;) {
    auto page = cli::getJson(task->agent, "/files/read",
                             {{"path", path}, {"offset", std::to_string(offset)}}, options);
    if (!page) return fail("Failed to read " + flags.file + ": " + page.error().message);
    const std::string data = page->value("data", "");
    if (!data.empty()) {
      std::cout << data << std::flush;
      offset += data.size();
      emptyPolls = 0;
      continue;
    }
    if (ended) return 0;  // read to the end after the task was seen ended (or not following)
    if (++emptyPolls % kPollsPerStateCheck == 0) {
      auto now = cli::getJson(task->agent, "/state", {}, options);
      // One more read after the task ends: what it wrote last is printed too.
      if (!now || !cli::taskLive(*now, *flags.framework, *flags.task)) ended = true;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}
