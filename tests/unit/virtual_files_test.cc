// Mesos's /files model over a scratch directory: listing and reading at virtual paths,
// and every way out of the served directory refused (no root needed).
#include "common/virtual_files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

namespace mesolite::files {
namespace {

class VirtualFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/mesolite-virtual-files-XXXXXX";
    dir_ = mkdtemp(dir);
    sandbox_ = dir_ + "/sandbox";
    std::filesystem::create_directories(sandbox_ + "/sub");
    write(sandbox_ + "/stdout", "0123456789");
    write(sandbox_ + "/sub/inner", "inside");
    write(dir_ + "/secret", "outside the sandbox");
    files_.attach("/sandbox", sandbox_);
    files_.attach("/log", dir_ + "/secret");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static void write(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
  }
  int status(const std::string& path) {
    auto slice = files_.read(path, 0, std::nullopt);
    if (auto* bad = std::get_if<Failure>(&slice)) return bad->status;
    return 200;
  }
  std::string data(const std::string& path, int64_t offset = 0,
                   std::optional<int64_t> length = std::nullopt) {
    auto slice = files_.read(path, offset, length);
    if (auto* bad = std::get_if<Failure>(&slice)) return "error " + bad->message;
    return std::get<Slice>(slice).data;
  }

  std::string dir_, sandbox_;
  VirtualFiles files_;
};

TEST_F(VirtualFilesTest, ReadsSlicesAsMesosDoes) {
  EXPECT_EQ(data("/sandbox/stdout"), "0123456789");
  EXPECT_EQ(data("/sandbox/stdout", 3, 4), "3456");
  EXPECT_EQ(data("/sandbox//sub/inner/"), "inside");
  EXPECT_EQ(data("/sandbox/stdout", 100), "");
  auto sizeOnly = files_.read("/sandbox/stdout", -1, std::nullopt);
  ASSERT_TRUE(std::holds_alternative<Slice>(sizeOnly));
  EXPECT_EQ(std::get<Slice>(sizeOnly).offset, 10u);
  EXPECT_EQ(std::get<Slice>(sizeOnly).size, 10u);
  EXPECT_EQ(std::get<Slice>(sizeOnly).data, "");
  EXPECT_EQ(data("/log"), "outside the sandbox");  // an attached file

  write(sandbox_ + "/big", std::string(200000, 'x'));
  EXPECT_EQ(data("/sandbox/big").size(), kMaxReadBytes);

  EXPECT_EQ(status("/sandbox/missing"), 404);
  EXPECT_EQ(status("/elsewhere/stdout"), 404);
  EXPECT_EQ(status("/sandbox/sub"), 400);  // a directory
  EXPECT_EQ(status("/log/more"), 404);     // nothing below a file
  auto negative = files_.read("/sandbox/stdout", -2, std::nullopt);
  ASSERT_TRUE(std::holds_alternative<Failure>(negative));
  EXPECT_EQ(std::get<Failure>(negative).status, 400);
}

TEST_F(VirtualFilesTest, ListsSortedWithPathsAndLinksUnfollowed) {
  ASSERT_EQ(symlink("/etc/passwd", (sandbox_ + "/link").c_str()), 0);
  auto listing = files_.list("/sandbox/");
  ASSERT_TRUE(std::holds_alternative<std::vector<mesos::v1::FileInfo>>(listing));
  const auto& entries = std::get<std::vector<mesos::v1::FileInfo>>(listing);
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].path(), "/sandbox/link");
  EXPECT_TRUE(S_ISLNK(entries[0].mode()));
  EXPECT_EQ(entries[0].size(), std::string("/etc/passwd").size());
  EXPECT_EQ(entries[1].path(), "/sandbox/stdout");
  EXPECT_EQ(entries[1].size(), 10u);
  EXPECT_TRUE(S_ISREG(entries[1].mode()));
  EXPECT_FALSE(entries[1].uid().empty());
  EXPECT_EQ(entries[2].path(), "/sandbox/sub");
  EXPECT_TRUE(S_ISDIR(entries[2].mode()));

  auto file = files_.list("/sandbox/stdout");
  ASSERT_TRUE(std::holds_alternative<Failure>(file));
  EXPECT_EQ(std::get<Failure>(file).status, 400);
}

TEST_F(VirtualFilesTest, NothingLeadsOutOfTheServedDirectory) {
  EXPECT_EQ(status("/sandbox/../secret"), 400);
  EXPECT_EQ(status("/sandbox/./stdout"), 400);
  // Symlinks planted inside: absolute, relative upwards, through a directory link.
  ASSERT_EQ(symlink((dir_ + "/secret").c_str(), (sandbox_ + "/absolute").c_str()), 0);
  ASSERT_EQ(symlink("../secret", (sandbox_ + "/upwards").c_str()), 0);
  ASSERT_EQ(symlink("..", (sandbox_ + "/parent").c_str()), 0);
  ASSERT_EQ(symlink("/proc/self/root/etc/passwd", (sandbox_ + "/magic").c_str()), 0);
  for (const std::string& path : std::vector<std::string>{
           "/sandbox/absolute", "/sandbox/upwards", "/sandbox/parent/secret", "/sandbox/magic"}) {
    EXPECT_EQ(status(path), 400) << path;
    EXPECT_EQ(data(path).find("outside the sandbox"), std::string::npos) << path;
  }
  auto listing = files_.list("/sandbox/parent");
  ASSERT_TRUE(std::holds_alternative<Failure>(listing));
  EXPECT_EQ(std::get<Failure>(listing).status, 400);
  EXPECT_TRUE(std::holds_alternative<Failure>(files_.open("/sandbox/upwards")));
  // A link that stays inside is followed.
  ASSERT_EQ(symlink("sub/inner", (sandbox_ + "/alias").c_str()), 0);
  EXPECT_EQ(data("/sandbox/alias"), "inside");
}

TEST_F(VirtualFilesTest, AFifoIsRefusedInsteadOfBlockingTheReader) {
  ASSERT_EQ(mkfifo((sandbox_ + "/pipe").c_str(), 0666), 0);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(status("/sandbox/pipe"), 400);
  EXPECT_TRUE(std::holds_alternative<Failure>(files_.open("/sandbox/pipe")));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(VirtualPaths, SplitRefusesDotComponentsAndNul) {
  auto split = splitVirtualPath("//a/b//c/");
  ASSERT_TRUE(std::holds_alternative<std::vector<std::string>>(split));
  EXPECT_EQ(std::get<std::vector<std::string>>(split), (std::vector<std::string>{"a", "b", "c"}));
  for (const std::string& bad :
       std::vector<std::string>{"", "/a/..", "/./a", std::string("/a\0b", 4)}) {
    auto refused = splitVirtualPath(bad);
    ASSERT_TRUE(std::holds_alternative<Failure>(refused)) << bad;
    EXPECT_EQ(std::get<Failure>(refused).status, 400);
  }
}

}  // namespace
}  // namespace mesolite::files
