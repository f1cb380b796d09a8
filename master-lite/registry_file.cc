#include "master-lite/registry_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/crc.hpp>
#include <cstdio>

#include "common/fs.h"
#include "common/unique_fd.h"

namespace mesolite::master {

namespace asio = boost::asio;

namespace {

constexpr std::string_view kMagic = "mesolite-registry 1 ";
constexpr size_t kMaxRecordBytes = size_t(1) << 30;

class FileRegistry final : public RegistryStore {
 public:
  FileRegistry(asio::io_context& io, std::string path, UniqueFd lock)
      : io_(io), path_(std::move(path)), lock_(std::move(lock)) {}
  ~FileRegistry() override {
    *alive_ = false;
    worker_.join();  // a store in flight finishes: never a torn file
  }

  std::string describe() const override { return path_; }

  void fetch(std::function<void(Result<internal::Registry>)> done) override {
    asio::post(worker_, [this, alive = alive_, done = std::move(done)]() mutable {
      Result<internal::Registry> registry = read();
      asio::post(io_, [alive, done = std::move(done), registry = std::move(registry)]() mutable {
        if (*alive) done(std::move(registry));
      });
    });
  }

  void store(const internal::Registry& registry, std::function<void(Result<void>)> done) override {
    asio::post(worker_, [this, alive = alive_, record = encodeRegistryRecord(registry),
                         done = std::move(done)]() mutable {
      Result<void> written = fs::writeFileAtomically(path_, record);
      asio::post(io_, [alive, done = std::move(done), written = std::move(written)]() mutable {
        if (*alive) done(std::move(written));
      });
    });
  }

 private:
  Result<internal::Registry> read() const {
    struct stat info {};
    if (::stat(path_.c_str(), &info) != 0) {
      if (errno == ENOENT) return internal::Registry();  // never stored: a new cluster
      return Error::fromErrno("stat " + path_);
    }
    auto record = fs::readFile(path_);
    if (!record) return record.error();
    return decodeRegistryRecord(*record, path_);
  }

  asio::io_context& io_;
  std::string path_;
  UniqueFd lock_;
  asio::thread_pool worker_{1};
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace

uint32_t registryCrc32(std::string_view bytes) {
  boost::crc_32_type crc;
  crc.process_bytes(bytes.data(), bytes.size());
  return crc.checksum();
}

std::string encodeRegistryRecord(const internal::Registry& registry) {
  const std::string payload = registry.SerializeAsString();
  char header[96];
  std::snprintf(header, sizeof header, "%.*s%zu %08x\n", int(kMagic.size()), kMagic.data(),
                payload.size(), registryCrc32(payload));
  return header + payload;
}

Result<internal::Registry> decodeRegistryRecord(const std::string& record,
                                                const std::string& where) {
  const auto corrupt = [&](const std::string& why) {
    return Error("the registry record " + where + " is corrupt: " + why +
                 "; restore it from a backup, or move it away to start an empty registry "
                 "(agents then register as new)");
  };
  if (record.rfind(kMagic, 0) != 0)
    return corrupt("it does not start with '" + std::string(kMagic) + "'");
  const size_t newline = record.find('\n');
  if (newline == std::string::npos || newline > 96) return corrupt("its header line is not ended");
  size_t bytes = 0;
  unsigned checksum = 0;
  const std::string header = record.substr(kMagic.size(), newline - kMagic.size());
  if (std::sscanf(header.c_str(), "%zu %8x", &bytes, &checksum) != 2 || bytes > kMaxRecordBytes) {
    return corrupt("its header '" + header + "' is not '<bytes> <crc32>'");
  }
  const std::string_view payload = std::string_view(record).substr(newline + 1);
  if (payload.size() != bytes) {
    return corrupt("it holds " + std::to_string(payload.size()) + " bytes, its header says " +
                   std::to_string(bytes) + " (torn or truncated)");
  }
  if (registryCrc32(payload) != checksum) return corrupt("its checksum does not match");
  internal::Registry registry;
  if (!registry.ParseFromArray(payload.data(), int(payload.size()))) {
    return corrupt("it does not parse as a registry");
  }
  return registry;
}

Result<std::unique_ptr<RegistryStore>> openFileRegistry(asio::io_context& io,
                                                        const std::string& workDir) {
  const std::string dir = workDir + "/registry";
  if (auto made = fs::makeDirectories(dir, 0700); !made) return made.error();
  const std::string lockPath = dir + "/lock";
  UniqueFd lock(::open(lockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!lock.valid()) return Error::fromErrno("open " + lockPath);
  if (::flock(lock.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return Error("the registry in " + dir + " is in use by another master (" + lockPath +
                   " is locked); give each master its own --work_dir");
    }
    return Error::fromErrno("flock " + lockPath);
  }
  return std::unique_ptr<RegistryStore>(
      std::make_unique<FileRegistry>(io, dir + "/registry.pb", std::move(lock)));
}

}  // namespace mesolite::master
