// The web UI's files read into memory: regular files only, nothing followed below the
// directory, the bounds, errors naming the path; content types and hashed assets.
#include "common/static_files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <fstream>

#include "common/http_server.h"

namespace mesolite::http {
namespace {

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/mesolite-static-files-XXXXXX";
    root_ = mkdtemp(dir);
    ui_ = root_ + "/ui";
    std::filesystem::create_directories(ui_ + "/assets");
    write(ui_ + "/index.html", "<html></html>");
    write(ui_ + "/assets/index-Bzr2o6WO.js", "console.log(1)");
    write(root_ + "/secret", "outside");
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  static void write(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
  }
  static std::vector<std::string> paths(const std::vector<StaticFile>& files) {
    std::vector<std::string> result;
    for (const auto& file : files)
      result.push_back(file.path);
    std::sort(result.begin(), result.end());
    return result;
  }

  std::string root_;
  std::string ui_;
};

TEST_F(StaticFilesTest, ReadsRegularFilesWithTheirPaths) {
  auto files = loadStaticFiles(ui_);
  ASSERT_TRUE(files) << files.error().message;
  EXPECT_EQ(paths(*files), (std::vector<std::string>{"/assets/index-Bzr2o6WO.js", "/index.html"}));
  for (const auto& file : *files) {
    if (file.path == "/index.html") EXPECT_EQ(file.body, "<html></html>");
  }
}

TEST_F(StaticFilesTest, FollowsNoSymlinkAndSkipsSpecialFiles) {
  std::filesystem::create_symlink(root_ + "/secret", ui_ + "/leak.txt");
  std::filesystem::create_symlink(root_, ui_ + "/up");
  std::filesystem::create_symlink("../../secret", ui_ + "/assets/relative.js");
  ASSERT_EQ(mkfifo((ui_ + "/fifo").c_str(), 0600), 0);
  auto files = loadStaticFiles(ui_);
  ASSERT_TRUE(files) << files.error().message;
  EXPECT_EQ(paths(*files), (std::vector<std::string>{"/assets/index-Bzr2o6WO.js", "/index.html"}));
  for (const auto& file : *files)
    EXPECT_EQ(file.body.find("outside"), std::string::npos);
}

TEST_F(StaticFilesTest, TheDirectoryItselfMayBeASymlink) {
  std::filesystem::create_symlink(ui_, root_ + "/link");
  auto files = loadStaticFiles(root_ + "/link");
  ASSERT_TRUE(files) << files.error().message;
  EXPECT_EQ(files->size(), 2u);
}

TEST_F(StaticFilesTest, AMissingDirectoryIsAnErrorNamingIt) {
  auto files = loadStaticFiles(root_ + "/nowhere");
  ASSERT_FALSE(files);
  EXPECT_NE(files.error().message.find(root_ + "/nowhere"), std::string::npos);
  EXPECT_NE(files.error().message.find("errno 2"), std::string::npos);
}

TEST_F(StaticFilesTest, BoundsAreErrorsNamingWhatExceededThem) {
  auto tooMany = loadStaticFiles(ui_, {.maxFiles = 1});
  ASSERT_FALSE(tooMany);
  EXPECT_NE(tooMany.error().message.find("more than 1 files"), std::string::npos);

  auto tooLarge = loadStaticFiles(ui_, {.maxFileBytes = 13 - 1});
  ASSERT_FALSE(tooLarge);
  EXPECT_NE(tooLarge.error().message.find(ui_ + "/assets/index-Bzr2o6WO.js: 14 bytes, over "
                                                "the limit of 12"),
            std::string::npos)
      << tooLarge.error().message;

  auto tooMuch = loadStaticFiles(ui_, {.maxTotalBytes = 20});
  ASSERT_FALSE(tooMuch);
  EXPECT_NE(tooMuch.error().message.find("more than 20 bytes"), std::string::npos);

  std::filesystem::create_directories(ui_ + "/a/b");
  write(ui_ + "/a/b/deep.txt", "x");
  auto tooDeep = loadStaticFiles(ui_, {.maxDepth = 1});
  ASSERT_FALSE(tooDeep);
  EXPECT_NE(tooDeep.error().message.find(ui_ + "/a/b"), std::string::npos)
      << tooDeep.error().message;
}

TEST(StaticFilesRoutes, AFileNeverHidesAnEndpoint) {
  boost::asio::io_context io;
  Server server(io);
  server.route("/health", [](Request&&, Responder) {});
  auto refused = serveStaticFiles(server, {{"/index.html", "ui"}, {"/health", "not json"}});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message, "health would hide the endpoint /health");

  server.route("/", [](Request&&, Responder) {});
  auto index = serveStaticFiles(server, {{"/index.html", "ui"}});
  ASSERT_FALSE(index);
  EXPECT_EQ(index.error().message, "index.html would hide the endpoint /");

  Server fresh(io);
  fresh.route("/health", [](Request&&, Responder) {});
  EXPECT_TRUE(serveStaticFiles(fresh, {{"/index.html", "ui"}, {"/assets/a-12345678.js", "x"}}));
  // Each file at its path, index.html at / too (alias fails for a path not routed).
  for (const char* path : {"/", "/index.html", "/assets/a-12345678.js"}) {
    EXPECT_TRUE(fresh.alias(path, path)) << path;
  }
  EXPECT_FALSE(fresh.alias("", ""));
}

TEST(StaticFilesTypes, ByExtension) {
  EXPECT_EQ(contentTypeFor("/index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(contentTypeFor("/assets/index-1.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(contentTypeFor("/assets/index-1.css"), "text/css; charset=utf-8");
  EXPECT_EQ(contentTypeFor("/favicon.svg"), "image/svg+xml");
  EXPECT_EQ(contentTypeFor("/BUILD-INFO"), "application/octet-stream");
  EXPECT_EQ(contentTypeFor("/dir.js/file"), "application/octet-stream");
  EXPECT_EQ(contentTypeFor(""), "application/octet-stream");
}

TEST(StaticFilesTypes, HashedAssetsAreThoseNamedByTheBundler) {
  EXPECT_TRUE(isHashedAsset("/assets/index-Bzr2o6WO.js"));
  EXPECT_TRUE(isHashedAsset("/assets/index-8MCAXIXu.css"));
  EXPECT_TRUE(isHashedAsset("/assets/vendor-a_b-C1-34_67.js"));
  EXPECT_TRUE(isHashedAsset("/ui/assets/index-Bzr2o6WO.js"));
  EXPECT_FALSE(isHashedAsset("/assets/-Bzr2o6WO.js"));
  EXPECT_FALSE(isHashedAsset("/assets/indexBzr2o6WO1.js"));
  EXPECT_FALSE(isHashedAsset("/assets/index-Bzr2o6WO"));
  EXPECT_FALSE(isHashedAsset("/index.html"));
  EXPECT_FALSE(isHashedAsset("/assets/logo.svg"));
  EXPECT_FALSE(isHashedAsset("/assets/index-short.js"));
  EXPECT_FALSE(isHashedAsset("/other/index-Bzr2o6WO.js"));
  EXPECT_FALSE(isHashedAsset("/assets/"));
  EXPECT_FALSE(isHashedAsset(""));
}

}  // namespace
}  // namespace mesolite::http
