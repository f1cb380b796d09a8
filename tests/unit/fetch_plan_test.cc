// The fetch plan mesos-fetcher reads (strict: every bad key or value is named) and the
// URI rules master, agent and helper share.
#include "fetcher/fetch_plan.h"

#include <gtest/gtest.h>

#include "common/fetch_uri.h"

namespace mesolite::fetch {
namespace {

std::string parseError(const std::string& json) {
  auto plan = FetchPlan::parse(json);
  EXPECT_FALSE(plan) << json;
  return plan ? "" : plan.error().message;
}

TEST(FetchPlan, RoundTripsEveryField) {
  FetchPlan plan;
  plan.sandbox = "/var/lib/mesos/slaves/S/runs/c";
  plan.user = "nobody";
  plan.stallTimeoutMs = 1500;
  plan.maxBytes = 1 << 20;
  plan.items.push_back({.uri = "http://127.0.0.1:8/a.tgz", .extract = true});
  plan.items.push_back({.uri = "/opt/tool",
                        .action = Action::kFromCache,
                        .cacheFile = "/tmp/mesos/fetch/c1-tool",
                        .executable = true,
                        .outputFile = "bin/tool"});
  plan.items.push_back({.uri = "file:///x/y",
                        .action = Action::kIntoCache,
                        .cacheFile = "/tmp/mesos/fetch/c2-y.part"});
  auto parsed = FetchPlan::parse(plan.encode());
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->sandbox, plan.sandbox);
  EXPECT_EQ(parsed->user, "nobody");
  EXPECT_EQ(parsed->stallTimeoutMs, 1500u);
  EXPECT_EQ(parsed->maxBytes, 1u << 20);
  ASSERT_EQ(parsed->items.size(), 3u);
  EXPECT_TRUE(parsed->items[0].extract);
  EXPECT_EQ(parsed->items[0].action, Action::kSandbox);
  EXPECT_EQ(parsed->items[1].action, Action::kFromCache);
  EXPECT_EQ(parsed->items[1].outputFile, "bin/tool");
  EXPECT_TRUE(parsed->items[1].executable);
  EXPECT_EQ(parsed->items[2].cacheFile, "/tmp/mesos/fetch/c2-y.part");
}

TEST(FetchPlan, RefusesBadDocumentsNamingTheCulprit) {
  const std::string item = R"({"uri":"http://h/f"})";
  EXPECT_EQ(parseError("not json"), "fetch plan is not valid JSON");
  EXPECT_EQ(parseError("[]"), "fetch plan is not a JSON object");
  EXPECT_EQ(parseError(R"({"items":[)" + item + "]}"), "fetch plan: 'sandbox' is missing");
  EXPECT_EQ(parseError(R"({"sandbox":"rel","items":[)" + item + "]}"),
            "fetch plan: sandbox 'rel' is not absolute");
  EXPECT_EQ(parseError(R"({"sandbox":"/s/../etc","items":[)" + item + "]}"),
            "fetch plan: sandbox '/s/../etc' holds '.' or '..'");
  EXPECT_EQ(parseError(R"({"sandbox":"/s","colour":1,"items":[)" + item + "]}"),
            "fetch plan: unknown key 'colour'");
  EXPECT_EQ(parseError(R"({"sandbox":"/s","items":[]})"), "fetch plan: 'items' is empty");
  EXPECT_EQ(parseError(R"({"sandbox":"/s","stall_timeout_ms":-1,"items":[)" + item + "]}"),
            "fetch plan: 'stall_timeout_ms' must be a non-negative integer");
  EXPECT_EQ(parseError(R"({"sandbox":"/s","user":"","items":[)" + item + "]}"),
            "fetch plan: 'user' is empty or holds NUL");
  EXPECT_EQ(parseError(R"({"sandbox":"/s","items":[{"uri":"http://h/f","extract":"yes"}]})"),
            "fetch plan item 0: 'extract' must be true or false");
  EXPECT_EQ(parseError(R"({"sandbox":"/s","items":[{"uri":"http://h/f","size":1}]})"),
            "fetch plan item 0: unknown key 'size'");
  EXPECT_EQ(parseError(R"({"sandbox":"/s","items":[{"uri":"http://h/f","action":"MOVE"}]})"),
            "fetch plan item 0: unknown action 'MOVE' (SANDBOX, FROM_CACHE or INTO_CACHE)");
  EXPECT_EQ(parseError(R"({"sandbox":"/s","items":[{"uri":"http://h/f","action":"FROM_CACHE"}]})"),
            "fetch plan item 0: cache_file '' is not absolute");
  EXPECT_EQ(parseError(R"({"sandbox":"/s","items":[{"uri":"http://h/f","cache_file":"/c/x"}]})"),
            "fetch plan item 0: 'cache_file' without a cache action");
  EXPECT_EQ(parseError(R"({"sandbox":"/s","items":[{"uri":"http://h/f","action":"INTO_CACHE",)"
                       R"("cache_file":"/c/x","extract":true}]})"),
            "fetch plan item 0: INTO_CACHE takes no extract, executable or output_file");
  EXPECT_EQ(parseError(R"({"sandbox":"/s","items":[{"uri":"s3://b/k"}]})"),
            "fetch plan item 0: URI 's3://b/k': scheme 's3' is not supported (http://, https://, "
            "file:// or an absolute path)");
  EXPECT_EQ(parseError(R"({"sandbox":"/s","items":[{"uri":"http://h/f","output_file":"../x"}]})"),
            "fetch plan item 0: output_file '../x' must not hold an empty, '.' or '..' component");
}

TEST(FetchUri, AcceptsWebAndLocalRefusesOtherSchemesByName) {
  EXPECT_EQ(*classifyUri("http://127.0.0.1:80/a/b.tgz"), UriKind::kHttp);
  EXPECT_EQ(*classifyUri("HTTPS://h/b"), UriKind::kHttp);
  EXPECT_EQ(*classifyUri("file:///opt/x"), UriKind::kLocal);
  EXPECT_EQ(*classifyUri("/opt/x"), UriKind::kLocal);
  EXPECT_EQ(*localPath("file://localhost/opt/x"), "/opt/x");
  for (const std::string uri : {"hdfs://nn/x", "s3://b/x", "ftp://h/x", "ftps://h/x"}) {
    auto kind = classifyUri(uri);
    ASSERT_FALSE(kind) << uri;
    EXPECT_NE(kind.error().message.find("'" + uri + "'"), std::string::npos);
    EXPECT_NE(kind.error().message.find("scheme '" + uri.substr(0, uri.find(':')) + "'"),
              std::string::npos)
        << kind.error().message;
  }
  EXPECT_NE(classifyUri("relative/x").error().message.find("--frameworks_home"), std::string::npos);
  EXPECT_NE(classifyUri("file://relative").error().message.find("absolute"), std::string::npos);
  EXPECT_NE(classifyUri("http://host").error().message.find("missing path"), std::string::npos);
  EXPECT_NE(classifyUri("http://h/it's").error().message.find("illegal character"),
            std::string::npos);
  EXPECT_FALSE(classifyUri("http://h/dir/"));
  EXPECT_FALSE(classifyUri("/opt/.."));
}

TEST(FetchUri, NamesAndOutputFiles) {
  EXPECT_EQ(*uriBasename("http://h/a/b.tar.gz"), "b.tar.gz");
  EXPECT_EQ(*uriBasename("http://h/get?x=1"), "get?x=1");  // as Mesos names it
  EXPECT_EQ(*uriBasename("/opt/tool"), "tool");
  EXPECT_TRUE(validateOutputFile("bin/tool"));
  for (const std::string bad : {"", "/etc/x", "../x", "a/../../x", "a//b", "./x", "a/.."}) {
    EXPECT_FALSE(validateOutputFile(bad)) << bad;
  }
  EXPECT_NE(validateOutputFile("stdout").error().message.find("sandbox's stdout"),
            std::string::npos);
  const std::string stderrName = "stderr";
  EXPECT_FALSE(validateFetch("http://h/x", &stderrName));
  EXPECT_NE(validateFetch("http://h/stdout", nullptr).error().message.find("output_file"),
            std::string::npos);
  const std::string renamed = "renamed";
  EXPECT_TRUE(validateFetch("http://h/stdout", &renamed));
}

}  // namespace
}  // namespace mesolite::fetch
