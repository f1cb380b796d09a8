// The registry of a master without ZooKeeper: one file under --work_dir
// (<work_dir>/registry/registry.pb), replaced atomically, read and written on a thread of
// its own so that an fsync never stalls the event loop. The directory is locked for the
// life of the store: two masters on one work dir would undo each other's writes.
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"
#include "master-lite/registry_store.h"

namespace mesolite::master {

Result<std::unique_ptr<RegistryStore>> openFileRegistry(boost::asio::io_context& io,
                                                        const std::string& workDir);

// The CRC-32 that guards every registry record, on disk and in ZooKeeper's chunks.
uint32_t registryCrc32(std::string_view bytes);

// The record on disk: "mesolite-registry 1 <bytes> <crc32>\n" then the Registry in
// protobuf's binary form; a torn, truncated or altered file is refused by name.
std::string encodeRegistryRecord(const internal::Registry& registry);
Result<internal::Registry> decodeRegistryRecord(const std::string& record,
                                                const std::string& where);

}  // namespace mesolite::master
