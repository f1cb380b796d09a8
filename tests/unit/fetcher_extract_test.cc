// Archive extraction by mesos-fetcher: what a good archive gives, and that no member of
// a malicious one (built here with libarchive's writer) lands outside the sandbox.
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "fetcher/extract.h"

namespace mesolite::fetch {
namespace {

struct Member {
  std::string path;
  enum Type { kFile, kDir, kSymlink, kHardlink, kFifo } type = kFile;
  std::string content;  // the file's bytes, or the link's target
  int mode = 0644;
};

// Writes `members` into `path` as tar.gz ("tgz"), zip, or plain tar.
void writeArchive(const std::string& path, const std::vector<Member>& members,
                  const std::string& format) {
  archive* out = archive_write_new();
  if (format == "zip") {
    archive_write_set_format_zip(out);
  } else {
    archive_write_set_format_pax_restricted(out);
    if (format == "tgz") archive_write_add_filter_gzip(out);
  }
  ASSERT_EQ(archive_write_open_filename(out, path.c_str()), ARCHIVE_OK);
  for (const Member& member : members) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, member.path.c_str());
    archive_entry_set_perm(entry, member.mode);
    switch (member.type) {
      case Member::kFile:
        archive_entry_set_filetype(entry, AE_IFREG);
        archive_entry_set_size(entry, la_int64_t(member.content.size()));
        break;
      case Member::kDir:
        archive_entry_set_filetype(entry, AE_IFDIR);
        break;
      case Member::kSymlink:
        archive_entry_set_filetype(entry, AE_IFLNK);
        archive_entry_set_symlink(entry, member.content.c_str());
        break;
      case Member::kHardlink:
        archive_entry_set_filetype(entry, AE_IFREG);
        archive_entry_set_hardlink(entry, member.content.c_str());
        break;
      case Member::kFifo:
        archive_entry_set_filetype(entry, AE_IFIFO);
        break;
    }
    ASSERT_EQ(archive_write_header(out, entry), ARCHIVE_OK) << archive_error_string(out);
    if (member.type == Member::kFile && !member.content.empty()) {
      archive_write_data(out, member.content.data(), member.content.size());
    }
    archive_entry_free(entry);
  }
  archive_write_close(out);
  archive_write_free(out);
}

class Extract : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/mesolite-extract-XXXXXX";
    root_ = mkdtemp(dir);
    sandbox_ = root_ + "/sandbox";
    outside_ = root_ + "/outside";
    std::filesystem::create_directories(sandbox_);
    std::filesystem::create_directories(outside_);
    old_ = std::filesystem::current_path();
    std::filesystem::current_path(sandbox_);
    fd_ = ::open(sandbox_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  }
  void TearDown() override {
    ::close(fd_);
    std::filesystem::current_path(old_);
    std::filesystem::remove_all(root_);
  }

  Result<void> extractMembers(const std::vector<Member>& members, const std::string& format,
                              const std::string& name) {
    writeArchive(sandbox_ + "/" + name, members, format);
    return extract(name, fd_, 0);
  }

  // Every path under the test's root but the sandbox: nothing may appear there.
  std::vector<std::string> outsideSandbox() {
    std::vector<std::string> found;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root_)) {
      const std::string path = entry.path();
      if (path.rfind(sandbox_, 0) != 0 && path != outside_) found.push_back(path);
    }
    return found;
  }

  std::string root_, sandbox_, outside_;
  std::filesystem::path old_;
  int fd_ = -1;
};

std::string read(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST_F(Extract, GoodArchivesUnpackWithTheirFilesLinksAndModes) {
  for (const std::string format : {"tgz", "zip", "tar"}) {
    const std::string dir = "app-" + format;
    auto ok = extractMembers({{dir, Member::kDir, "", 0755},
                              {dir + "/run.sh", Member::kFile, "#!/bin/sh\necho hi\n", 04755},
                              {dir + "/data.txt", Member::kFile, "data", 0644},
                              {dir + "/link", Member::kSymlink, "data.txt"},
                              {dir + "/up", Member::kSymlink, "../" + dir + "/data.txt"}},
                             format, "app." + (format == "tgz" ? std::string("tar.gz") : format));
    ASSERT_TRUE(ok) << format << ": " << ok.error().message;
    EXPECT_EQ(read(sandbox_ + "/" + dir + "/data.txt"), "data") << format;
    EXPECT_EQ(read(sandbox_ + "/" + dir + "/link"), "data") << format;
    EXPECT_EQ(read(sandbox_ + "/" + dir + "/up"), "data") << format;
    struct stat info;
    ASSERT_EQ(::stat((sandbox_ + "/" + dir + "/run.sh").c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 07777, 0755u) << format << ": setuid is dropped, rwx kept";
  }
  EXPECT_TRUE(outsideSandbox().empty());
}

TEST_F(Extract, BareGzipBecomesItsFile) {
  const std::string gz = sandbox_ + "/notes.txt.gz";
  ASSERT_EQ(std::system(("printf 'plain words' | gzip -c > " + gz).c_str()), 0);
  auto ok = extract("notes.txt.gz", fd_, 0);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(read(sandbox_ + "/notes.txt"), "plain words");
}

TEST_F(Extract, DotDotMemberIsRefusedAndWritesNothingOutside) {
  for (const std::string format : {"tgz", "zip"}) {
    auto refused = extractMembers(
        {{"ok.txt", Member::kFile, "fine"}, {"../outside/escaped", Member::kFile, "pwned"}}, format,
        "evil-" + format);
    ASSERT_FALSE(refused) << format;
    EXPECT_NE(refused.error().message.find("'../outside/escaped' climbs out"), std::string::npos)
        << refused.error().message;
  }
  EXPECT_TRUE(outsideSandbox().empty());
  EXPECT_FALSE(std::filesystem::exists(outside_ + "/escaped"));
}

TEST_F(Extract, AbsoluteMemberIsRefused) {
  const std::string target = outside_ + "/absolute";
  auto refused = extractMembers({{target, Member::kFile, "pwned"}}, "tgz", "abs.tar.gz");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("absolute path"), std::string::npos)
      << refused.error().message;
  EXPECT_FALSE(std::filesystem::exists(target));
}

TEST_F(Extract, SymlinkOutsideThenFileThroughItIsRefused) {
  auto refused = extractMembers(
      {{"a", Member::kSymlink, outside_}, {"a/passwd", Member::kFile, "pwned"}}, "tgz", "s.tgz");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("symlink 'a' points outside the sandbox"),
            std::string::npos)
      << refused.error().message;
  refused = extractMembers({{"b", Member::kSymlink, "../outside"}}, "tgz", "s2.tgz");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("points outside"), std::string::npos);
  EXPECT_TRUE(outsideSandbox().empty());
}

TEST_F(Extract, FileThroughAnInsideSymlinkIsRefused) {
  // The link itself is harmless; writing through it is not (it could be swapped).
  auto refused = extractMembers({{"d", Member::kDir, "", 0755},
                                 {"l", Member::kSymlink, "d"},
                                 {"l/x", Member::kFile, "through"}},
                                "tgz", "through.tgz");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("through the symlink 'l'"), std::string::npos)
      << refused.error().message;
  EXPECT_FALSE(std::filesystem::exists(sandbox_ + "/d/x"));
}

TEST_F(Extract, SymlinkPlantedOnDiskIsNotFollowed) {
  std::filesystem::create_directory_symlink(outside_, sandbox_ + "/planted");
  auto refused = extractMembers({{"planted/file", Member::kFile, "pwned"}}, "tgz", "p.tgz");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("through the symlink 'planted'"), std::string::npos);
  EXPECT_TRUE(std::filesystem::is_empty(outside_));
}

TEST_F(Extract, HardLinksOutsideAreRefused) {
  {
    std::ofstream secret(outside_ + "/secret");
    secret << "secret";
  }
  for (const std::string& target : {outside_ + "/secret", std::string("../outside/secret")}) {
    auto refused = extractMembers({{"h", Member::kHardlink, target}}, "tar", "h.tar");
    ASSERT_FALSE(refused) << target;
    EXPECT_NE(refused.error().message.find("hard link 'h'"), std::string::npos)
        << refused.error().message;
    EXPECT_FALSE(std::filesystem::exists(sandbox_ + "/h"));
  }
  // Inside the sandbox a hard link is fine.
  auto ok = extractMembers({{"f", Member::kFile, "same"}, {"g", Member::kHardlink, "f"}}, "tar",
                           "ok.tar");
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(read(sandbox_ + "/g"), "same");
}

TEST_F(Extract, SandboxLogsAndSpecialFilesAreRefused) {
  auto refused = extractMembers({{"stdout", Member::kSymlink, "x"}}, "tgz", "log.tgz");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("sandbox's stdout"), std::string::npos);
  refused = extractMembers({{"./stderr", Member::kFile, "x"}}, "tgz", "log2.tgz");
  ASSERT_FALSE(refused);
  refused = extractMembers({{"pipe", Member::kFifo}}, "tar", "fifo.tar");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("device, FIFO or socket"), std::string::npos);
}

TEST_F(Extract, SizeCapStopsABomb) {
  writeArchive(sandbox_ + "/big.tar.gz", {{"big", Member::kFile, std::string(100000, 'x')}}, "tgz");
  auto refused = extract("big.tar.gz", fd_, 1000);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("more than 1000 bytes"), std::string::npos);
}

TEST(ArchiveNames, AsMesosRecognisesThem) {
  for (const std::string name : {"a.tar", "a.tgz", "a.tar.gz", "a.tbz2", "a.tar.bz2", "a.txz",
                                 "a.tar.xz", "a.zip", "a.gz"}) {
    EXPECT_TRUE(isArchiveName(name)) << name;
  }
  EXPECT_FALSE(isArchiveName("a.txt"));
  EXPECT_FALSE(isArchiveName("tar"));
}

TEST(MemberPaths, AreNormalisedLexically) {
  EXPECT_EQ(*checkMemberPath("./a//b/"), "a/b");
  EXPECT_EQ(*checkMemberPath("./"), ".");
  EXPECT_FALSE(checkMemberPath("a/../../b"));
  EXPECT_TRUE(checkSymlinkTarget("a/b/link", "../c"));
  EXPECT_FALSE(checkSymlinkTarget("a/link", "../../c"));
  EXPECT_FALSE(checkSymlinkTarget("link", "/etc"));
}

}  // namespace
}  // namespace mesolite::fetch
