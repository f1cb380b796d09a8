#include "master-lite/registry_zookeeper.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>

#include "common/logging.h"
#include "master-lite/registry_file.h"

namespace mesolite::master {
namespace {

constexpr int kManifestFormat = 1;
constexpr int kFetchAttempts = 3;  // a store that replaces the chunks under a reader

struct Chunk {
  std::string name;
  size_t bytes = 0;
  uint32_t crc32 = 0;
};

struct Manifest {
  std::vector<Chunk> chunks;
  size_t bytes = 0;
};

std::string encodeManifest(const Manifest& manifest) {
  nlohmann::json chunks = nlohmann::json::array();
  for (const auto& chunk : manifest.chunks) {
    chunks.push_back({{"name", chunk.name}, {"bytes", chunk.bytes}, {"crc32", chunk.crc32}});
  }
  return nlohmann::json{{"format", kManifestFormat}, {"bytes", manifest.bytes}, {"chunks", chunks}}
      .dump();
}

Result<Manifest> decodeManifest(std::string_view data) {
  auto json = nlohmann::json::parse(data, nullptr, false);
  if (json.is_discarded() || !json.is_object()) return Error("the manifest is not a JSON object");
  if (!json.contains("format") || json["format"] != kManifestFormat) {
    return Error("the manifest's format is not " + std::to_string(kManifestFormat));
  }
  Manifest manifest;
  if (!json.contains("bytes") || !json["bytes"].is_number_unsigned() || !json.contains("chunks") ||
      !json["chunks"].is_array()) {
    return Error("the manifest lacks 'bytes' or 'chunks'");
  }
  manifest.bytes = json["bytes"].get<size_t>();
  size_t total = 0;
  for (const auto& entry : json["chunks"]) {
    if (!entry.is_object() || !entry.contains("name") || !entry["name"].is_string() ||
        !entry.contains("bytes") || !entry["bytes"].is_number_unsigned() ||
        !entry.contains("crc32") || !entry["crc32"].is_number_unsigned()) {
      return Error("a chunk of the manifest lacks 'name', 'bytes' or 'crc32'");
    }
    Chunk chunk{entry["name"].get<std::string>(), entry["bytes"].get<size_t>(),
                entry["crc32"].get<uint32_t>()};
    if (chunk.name.empty() || chunk.name.find('/') != std::string::npos) {
      return Error("the manifest names a bad chunk '" + chunk.name + "'");
    }
    total += chunk.bytes;
    manifest.chunks.push_back(std::move(chunk));
  }
  if (total != manifest.bytes) return Error("the manifest's chunk sizes do not add up");
  return manifest;
}

class ZooKeeperRegistryStore : public RegistryStore {
 public:
  ZooKeeperRegistryStore(std::shared_ptr<zk::Session> session,
                         std::function<std::optional<std::string>()> candidacy)
      : session_(session),
        candidacy_(std::move(candidacy)),
        path_(session->url().child("registry")),
        describe_(session->url().toString() + "/registry") {
    if (session->url().path == "/") describe_ = session->url().toString() + "registry";
  }

  std::string describe() const override { return describe_; }

  void fetch(std::function<void(Result<internal::Registry>)> done) override {
    fetchAttempt(kFetchAttempts, std::move(done));
  }

  void store(const internal::Registry& registry, std::function<void(Result<void>)> done) override;

 private:
  // What this store last read or wrote: the manifest's version (nullopt: no znode).
  struct Seen {
    std::optional<int> version;
    std::vector<std::string> chunks;
  };

  std::shared_ptr<zk::Session> session() const { return session_.lock(); }
  // A session's reply reaches this store only while it lives (its owner may drop it with
  // an operation in flight; `done` is then never called).
  template <typename Fn>
  auto guarded(Fn fn) {
    return [alive = std::weak_ptr<char>(alive_), fn = std::move(fn)](auto reply) mutable {
      if (alive.lock()) fn(std::move(reply));
    };
  }
  std::string chunkPath(const std::string& name) const { return path_ + "/" + name; }

  void fetchAttempt(int attemptsLeft, std::function<void(Result<internal::Registry>)> done);
  void readChunks(std::shared_ptr<zk::Session> session, Manifest manifest, int version,
                  int attemptsLeft, std::function<void(Result<internal::Registry>)> done);
  void writeChunks(std::shared_ptr<std::vector<std::string>> pieces, size_t index,
                   std::shared_ptr<Manifest> manifest, std::function<void(Result<void>)> done);
  void switchManifest(std::shared_ptr<Manifest> manifest, std::function<void(Result<void>)> done);
  void sweepOrphans(std::shared_ptr<zk::Session> session, std::vector<std::string> referenced);
  void dropChunks(const std::vector<Chunk>& chunks);

  std::weak_ptr<zk::Session> session_;
  const std::function<std::optional<std::string>()> candidacy_;
  const std::string path_;
  std::string describe_;
  std::optional<Seen> seen_;  // unset until the first fetch
  std::shared_ptr<char> alive_ = std::make_shared<char>();
};

void ZooKeeperRegistryStore::fetchAttempt(int attemptsLeft,
                                          std::function<void(Result<internal::Registry>)> done) {
  auto session = this->session();
  if (!session) return done(Error(describe_ + ": the ZooKeeper session is closed"));
  session->get(
      path_, false, guarded([this, session, attemptsLeft, done](zk::Reply<zk::Node> reply) {
        if (reply.code == ZNONODE) {
          seen_ = Seen{std::nullopt, {}};
          return done(internal::Registry());
        }
        if (!reply.ok()) return done(reply.error());
        if (reply.value.data.empty()) {
          seen_ = Seen{reply.value.stat.version, {}};
          return done(internal::Registry());
        }
        auto manifest = decodeManifest(reply.value.data);
        if (!manifest) return done(manifest.error().wrap("corrupt registry manifest " + describe_));
        readChunks(session, std::move(*manifest), reply.value.stat.version, attemptsLeft, done);
      }));
}

// One chunk after the other: their total may be far more than a reply should hold.
void ZooKeeperRegistryStore::readChunks(std::shared_ptr<zk::Session> session, Manifest manifest,
                                        int version, int attemptsLeft,
                                        std::function<void(Result<internal::Registry>)> done) {
  auto shared = std::make_shared<Manifest>(std::move(manifest));
  auto bytes = std::make_shared<std::string>();
  bytes->reserve(shared->bytes);
  auto next = std::make_shared<std::function<void(size_t)>>();
  *next = [this, session, shared, bytes, version, attemptsLeft, done, next](size_t index) {
    if (index == shared->chunks.size()) {
      // Breaks the cycle, keeping this closure (running now) alive until it returns.
      auto self = std::move(*next);
      internal::Registry registry;
      if (!registry.ParseFromString(*bytes)) {
        return done(Error("corrupt registry " + describe_ + ": not a Registry protobuf"));
      }
      std::vector<std::string> names;
      for (const auto& chunk : shared->chunks)
        names.push_back(chunk.name);
      seen_ = Seen{version, names};
      sweepOrphans(session, std::move(names));
      return done(std::move(registry));
    }
    const Chunk& chunk = shared->chunks[index];
    const std::string path = chunkPath(chunk.name);
    session->get(path, false,
                 guarded([this, next, shared, bytes, index, path, attemptsLeft,
                          done](zk::Reply<zk::Node> reply) {
                   const Chunk& expected = shared->chunks[index];
                   if (reply.code == ZNONODE && attemptsLeft > 1) {
                     // A store replaced the chunks while we read: read the new manifest.
                     *next = nullptr;
                     return fetchAttempt(attemptsLeft - 1, done);
                   }
                   if (!reply.ok()) {
                     *next = nullptr;
                     return done(reply.error().wrap("reading the registry " + describe_));
                   }
                   if (reply.value.data.size() != expected.bytes ||
                       registryCrc32(reply.value.data) != expected.crc32) {
                     *next = nullptr;
                     return done(Error("corrupt registry chunk " + describe_ + "/" + expected.name +
                                       ": its size or CRC-32 differs from the manifest's"));
                   }
                   bytes->append(reply.value.data);
                   (*next)(index + 1);
                 }));
  };
  (*next)(0);
}

void ZooKeeperRegistryStore::store(const internal::Registry& registry,
                                   std::function<void(Result<void>)> done) {
  if (!seen_) return done(Error(describe_ + ": store before fetch (nothing to fence against)"));
  auto session = this->session();
  if (!session) return done(Error(describe_ + ": the ZooKeeper session is closed"));
  auto pieces = std::make_shared<std::vector<std::string>>();
  const std::string bytes = registry.SerializeAsString();
  for (size_t offset = 0; offset < bytes.size(); offset += kRegistryChunkBytes) {
    pieces->push_back(bytes.substr(offset, kRegistryChunkBytes));
  }
  auto manifest = std::make_shared<Manifest>();
  manifest->bytes = bytes.size();
  if (seen_->version) return writeChunks(pieces, 0, manifest, std::move(done));
  // Never stored: the manifest's znode (and its parents) first, empty; if another master
  // beat us to it, the version check of the switch sorts it out.
  session->createPath(path_, guarded([this, pieces, manifest, done](zk::Reply<zk::Nothing> reply) {
                        if (!reply.ok())
                          return done(reply.error().wrap("storing the registry " + describe_));
                        seen_->version = 0;
                        writeChunks(pieces, 0, manifest, done);
                      }));
}

void ZooKeeperRegistryStore::writeChunks(std::shared_ptr<std::vector<std::string>> pieces,
                                         size_t index, std::shared_ptr<Manifest> manifest,
                                         std::function<void(Result<void>)> done) {
  if (index == pieces->size()) return switchManifest(manifest, std::move(done));
  auto session = this->session();
  if (!session) return done(Error(describe_ + ": the ZooKeeper session is closed"));
  const std::string& piece = (*pieces)[index];
  session->create(path_ + "/chunk_", piece, ZOO_PERSISTENT_SEQUENTIAL,
                  guarded([this, pieces, index, manifest, done](zk::Reply<std::string> reply) {
                    if (!reply.ok()) {
                      dropChunks(manifest->chunks);
                      return done(reply.error().wrap("storing the registry " + describe_));
                    }
                    const std::string& written = (*pieces)[index];
                    const std::string name = reply.value.substr(reply.value.rfind('/') + 1);
                    manifest->chunks.push_back(Chunk{name, written.size(), registryCrc32(written)});
                    writeChunks(pieces, index + 1, manifest, done);
                  }));
}

void ZooKeeperRegistryStore::switchManifest(std::shared_ptr<Manifest> manifest,
                                            std::function<void(Result<void>)> done) {
  auto session = this->session();
  if (!session) return done(Error(describe_ + ": the ZooKeeper session is closed"));
  std::vector<zk::Op> ops;
  std::optional<std::string> candidacy;
  if (candidacy_) {
    candidacy = candidacy_();
    if (!candidacy) {
      dropChunks(manifest->chunks);
      return done(Error("storing the registry " + describe_ +
                        ": this master has no candidacy in ZooKeeper (its session ended)"));
    }
    // Written only while this master's member znode exists, in the same transaction.
    ops.push_back(zk::Op::check(*candidacy, -1));
  }
  const size_t manifestOp = ops.size();
  ops.push_back(zk::Op::set(path_, encodeManifest(*manifest), *seen_->version));
  for (const auto& old : seen_->chunks)
    ops.push_back(zk::Op::remove(chunkPath(old), -1));
  // The new chunks must still be there as written (a reader's sweep may have taken them).
  for (const auto& chunk : manifest->chunks)
    ops.push_back(zk::Op::check(chunkPath(chunk.name), 0));
  session->multi(
      std::move(ops),
      guarded([this, manifest, done, manifestOp, candidacy](zk::Reply<zk::MultiResult> reply) {
        if (reply.code == ZCONNECTIONLOSS || reply.code == ZOPERATIONTIMEOUT ||
            reply.code == ZCLOSING || reply.code == ZSESSIONEXPIRED) {
          // The switch may have happened: keep the chunks, and refuse to store again until a
          // fetch has said what is there.
          seen_.reset();
          return done(reply.error().wrap("storing the registry " + describe_ +
                                         " (outcome unknown: fetch before storing again)"));
        }
        if (!reply.ok()) {
          dropChunks(manifest->chunks);
          if (reply.value.failed == manifestOp && reply.code == ZBADVERSION) {
            return done(Error("storing the registry " + describe_ +
                              ": someone else stored it since this master read it (ZBADVERSION); "
                              "not overwriting"));
          }
          if (candidacy && reply.value.failed == 0u && reply.code == ZNONODE) {
            return done(Error("storing the registry " + describe_ +
                              ": this master's member znode " + *candidacy +
                              " is gone (ZNONODE); not writing"));
          }
          return done(reply.error().wrap("storing the registry " + describe_));
        }
        std::vector<std::string> names;
        for (const auto& chunk : manifest->chunks)
          names.push_back(chunk.name);
        seen_ = Seen{reply.value.entries[manifestOp].stat.version, std::move(names)};
        done(success());
      }));
}

// Chunks no manifest references: left by a master that died between writing its chunks and
// switching the manifest, or being written by a deposed one (whose switch then fails on
// their check instead of referencing chunks that are gone).
void ZooKeeperRegistryStore::sweepOrphans(std::shared_ptr<zk::Session> session,
                                          std::vector<std::string> referenced) {
  session->children(
      path_, false, guarded([this, referenced](zk::Reply<std::vector<std::string>> reply) {
        if (!reply.ok()) return;
        std::vector<Chunk> orphans;
        for (const auto& child : reply.value) {
          if (std::find(referenced.begin(), referenced.end(), child) == referenced.end()) {
            orphans.push_back(Chunk{child, 0, 0});
          }
        }
        if (orphans.empty()) return;
        log::info("Deleting {} unreferenced chunk(s) of the registry {}", orphans.size(),
                  describe_);
        dropChunks(orphans);
      }));
}

// Chunks written for a store that did not happen: nobody references them.
void ZooKeeperRegistryStore::dropChunks(const std::vector<Chunk>& chunks) {
  auto session = this->session();
  if (!session) return;
  for (const auto& chunk : chunks) {
    session->remove(chunkPath(chunk.name), -1, [](zk::Reply<zk::Nothing> reply) {
      if (!reply.ok()) log::warn("{}", reply.error().message);
    });
  }
}

}  // namespace

std::unique_ptr<RegistryStore> makeZooKeeperRegistryStore(
    std::shared_ptr<zk::Session> session, std::function<std::optional<std::string>()> candidacy) {
  return std::make_unique<ZooKeeperRegistryStore>(std::move(session), std::move(candidacy));
}

}  // namespace mesolite::master
