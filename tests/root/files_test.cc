// The agent's /files endpoints and LIST_FILES / READ_FILE against a real agent and a
// real task: its sandbox at Mesos's virtual and real paths, the agent's log, and a task
// that plants links and a FIFO to reach outside its sandbox (root only).
#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>

#include "common/http_client.h"
#include "tests/support/agent_with_master.h"

namespace mesolite {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
using testing::framework;
using testing::task;

class SandboxFiles : public testing::AgentWithMaster {
 protected:
  // Status and body of a GET.
  std::pair<int, std::string> fetch(const std::string& target) {
    const size_t question = target.find('?');
    http::Request request{.method = "GET", .path = target.substr(0, question)};
    if (question != std::string::npos) {
      request.query = http::parseQueryString(target.substr(question + 1));
    }
    auto response = http::fetch(endpoint_, request, {.timeout = 10s});
    EXPECT_TRUE(response) << target << ": " << response.error().message;
    if (!response) return {0, ""};
    return {response->status, response->body};
  }

  // Runs `command` to its end as `user`; returns the task's virtual sandbox path.
  std::string runToTheEnd(const std::string& id, const std::string& command,
                          const std::string& user = "root") {
    auto info = task(id, command);
    info.mutable_command()->set_user(user);
    master_->runTask(framework("F1", false), info);
    EXPECT_TRUE(master_->waitForUpdate(id, mesos::v1::TASK_FINISHED, 30s)) << agent_->err();
    return "/frameworks/F1/executors/" + id + "/runs/latest";
  }
};

TEST_F(SandboxFiles, ASandboxIsBrowsedReadAndDownloadedAtMesosPaths) {
  startAgent({"--log_dir=" + dir_ + "/log"});
  ASSERT_TRUE(master_->waitForSubscription(1, 20s)) << agent_->err();
  const std::string sandbox =
      runToTheEnd("t-files", "echo hello-files; mkdir sub; printf abcdef > sub/data");

  auto [status, body] = fetch("/files/browse?path=" + http::percentEncode(sandbox));
  ASSERT_EQ(status, 200) << body;
  std::map<std::string, json> entries;
  for (const auto& entry : json::parse(body))
    entries[entry.value("path", "")] = entry;
  ASSERT_TRUE(entries.count(sandbox + "/stdout")) << body;
  ASSERT_TRUE(entries.count(sandbox + "/sub")) << body;
  EXPECT_EQ(entries[sandbox + "/sub"].value("mode", "").substr(0, 1), "d");
  EXPECT_EQ(entries[sandbox + "/stdout"].value("mode", "").substr(0, 4), "-rw-");
  EXPECT_EQ(entries[sandbox + "/stdout"].value("uid", ""), "root");
  EXPECT_GT(entries[sandbox + "/stdout"].value("mtime", 0), 1600000000);

  std::tie(status, body) = fetch("/files/read?path=" + sandbox + "/stdout&offset=0");
  ASSERT_EQ(status, 200) << body;
  EXPECT_NE(json::parse(body).value("data", "").find("hello-files"), std::string::npos) << body;
  std::tie(status, body) =
      fetch("/files/read.json?path=" + sandbox + "/sub/data&offset=2&length=3");
  ASSERT_EQ(status, 200) << body;
  EXPECT_EQ(json::parse(body), (json{{"data", "cde"}, {"offset", 2}}));
  std::tie(status, body) = fetch("/files/read?path=" + sandbox + "/sub/data&offset=-1");
  EXPECT_EQ(json::parse(body), (json{{"data", ""}, {"offset", 6}}));
  std::tie(status, body) = fetch("/files/download?path=" + sandbox + "/sub/data");
  EXPECT_EQ(status, 200);
  EXPECT_EQ(body, "abcdef");

  // The real path, as /state names the executor's directory.
  std::string directory;
  std::function<void(const json&)> find = [&](const json& node) {
    if (node.is_object() && node.contains("directory") && node["directory"].is_string() &&
        node.value("id", "") == "t-files") {
      directory = node["directory"];
    }
    if (node.is_structured())
      for (const auto& child : node)
        find(child);
  };
  find(get("/state"));
  ASSERT_FALSE(directory.empty()) << get("/state").dump();
  std::tie(status, body) = fetch("/files/read?path=" + directory + "/sub/data");
  EXPECT_EQ(status, 200) << directory << ": " << body;

  // The agent's own log, and the map of what is served.
  std::tie(status, body) = fetch("/files/read?path=/slave/log&offset=0");
  ASSERT_EQ(status, 200) << body;
  EXPECT_NE(json::parse(body).value("data", "").find("listening"), std::string::npos);
  std::tie(status, body) = fetch("/files/debug");
  EXPECT_TRUE(json::parse(body).contains("/slave/log")) << body;

  // The operator API: bytes come base64-encoded in JSON ("cde" -> "Y2Rl").
  json listed = call({{"type", "LIST_FILES"}, {"list_files", {{"path", sandbox}}}});
  EXPECT_EQ(listed.value("type", ""), "LIST_FILES") << listed;
  EXPECT_GE(listed["list_files"]["file_infos"].size(), 3u) << listed;
  json read =
      call({{"type", "READ_FILE"},
            {"read_file", {{"path", sandbox + "/sub/data"}, {"offset", 2}, {"length", 3}}}});
  EXPECT_EQ(read["read_file"].value("data", ""), "Y2Rl") << read;
  EXPECT_EQ(read["read_file"].value("size", 0), 6) << read;

  // Bad requests say what was wrong.
  EXPECT_EQ(fetch("/files/read").first, 400);
  EXPECT_EQ(fetch("/files/read?path=" + sandbox + "/stdout&offset=ten").first, 400);
  EXPECT_EQ(fetch("/files/read?path=" + sandbox + "/stdout&length=-5").first, 400);
  EXPECT_EQ(fetch("/files/read?path=/frameworks/F9/executors/x/runs/latest/stdout").first, 404);
  EXPECT_EQ(fetch("/files/read?path=" + sandbox + "/sub").first, 400);
  EXPECT_EQ(fetch("/files/read?path=/etc/passwd").first, 404);
}

TEST_F(SandboxFiles, LinksAndFifosATaskPlantsLeadNowhereOutside) {
  startAgent();
  ASSERT_TRUE(master_->waitForSubscription(1, 20s)) << agent_->err();
  const std::string sandbox = runToTheEnd(
      "t-plant",
      "ln -s /etc/shadow shadow; ln -s ../../../../../../../../../../etc up; ln -s / root; "
      "mkfifo pipe; echo kept > inside; ln -s inside alias",
      "nobody");

  for (const std::string& path :
       std::vector<std::string>{"/shadow", "/up/shadow", "/root/etc/shadow"}) {
    for (const std::string& endpoint :
         std::vector<std::string>{"/files/read?path=", "/files/download?path="}) {
      auto [status, body] = fetch(endpoint + sandbox + path);
      EXPECT_EQ(status, 400) << endpoint << path << ": " << body;
      EXPECT_EQ(body.find("root:"), std::string::npos) << endpoint << path;
    }
    json read =
        call({{"type", "READ_FILE"}, {"read_file", {{"path", sandbox + path}, {"offset", 0}}}});
    EXPECT_TRUE(read.is_null()) << path << ": " << read;
  }
  EXPECT_EQ(fetch("/files/browse?path=" + sandbox + "/up").first, 400);
  EXPECT_EQ(fetch("/files/browse?path=" + sandbox + "/root").first, 400);
  EXPECT_EQ(fetch("/files/read?path=" + sandbox + "/../../../../../../../../etc/shadow").first,
            400);
  // A FIFO would block a reader forever: refused at once.
  EXPECT_EQ(fetch("/files/read?path=" + sandbox + "/pipe").first, 400);
  EXPECT_EQ(fetch("/files/download?path=" + sandbox + "/pipe").first, 400);
  // Links that stay inside work; the listing shows links as links.
  auto [status, body] = fetch("/files/read?path=" + sandbox + "/alias");
  ASSERT_EQ(status, 200) << body;
  EXPECT_EQ(json::parse(body).value("data", ""), "kept\n");
  std::tie(status, body) = fetch("/files/browse?path=" + sandbox);
  ASSERT_EQ(status, 200);
  for (const auto& entry : json::parse(body)) {
    if (entry.value("path", "") == sandbox + "/shadow") {
      EXPECT_EQ(entry.value("mode", "").substr(0, 1), "l") << entry;
      EXPECT_EQ(entry.value("uid", ""), "nobody") << entry;
    }
  }
  // The agent still answers: nothing blocked its loop.
  EXPECT_EQ(fetch("/health").first, 200);
}

}  // namespace
}  // namespace mesolite
