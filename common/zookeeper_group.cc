#include "common/zookeeper_group.h"

#include <arpa/inet.h>

#include <algorithm>

#include "common/protobuf_json.h"

namespace mesolite::zk {
namespace {

// ZooKeeper appends the sequence as exactly ten digits.
std::optional<uint64_t> parseSequence(std::string_view digits) {
  if (digits.size() != 10) return std::nullopt;
  uint64_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + uint64_t(c - '0');
  }
  return value;
}

}  // namespace

std::optional<Member> parseMember(std::string_view name) {
  for (auto prefix : {kJsonMemberPrefix, kLegacyMemberPrefix}) {
    if (name.substr(0, prefix.size()) != prefix) continue;
    auto sequence = parseSequence(name.substr(prefix.size()));
    if (!sequence) return std::nullopt;
    return Member{std::string(name), *sequence, prefix == kJsonMemberPrefix};
  }
  return std::nullopt;
}

std::optional<Member> leaderOf(const std::vector<std::string>& children) {
  std::optional<Member> json;
  std::optional<Member> legacy;
  for (const auto& child : children) {
    auto member = parseMember(child);
    if (!member) continue;
    auto& lowest = member->json ? json : legacy;
    if (!lowest || member->sequence < lowest->sequence) lowest = std::move(member);
  }
  return json ? json : legacy;
}

Result<mesos::v1::MasterInfo> parseMasterInfo(const Member& member, std::string_view data,
                                              const std::string& path) {
  mesos::v1::MasterInfo info;
  if (member.json) {
    if (auto parsed = parseJson(data, &info); !parsed) {
      return parsed.error().wrap("znode " + path + ": not a MasterInfo in JSON");
    }
  } else if (!info.ParseFromArray(data.data(), static_cast<int>(data.size())) ||
             !info.IsInitialized()) {
    return Error("znode " + path + ": not a MasterInfo (binary protobuf of a legacy info_ member)");
  }
  if (auto address = addressOf(info); !address) return address.error().wrap("znode " + path);
  return info;
}

Result<MasterAddress> addressOf(const mesos::v1::MasterInfo& info) {
  MasterAddress address;
  if (info.has_address()) {
    address.host = !info.address().ip().empty() ? info.address().ip() : info.address().hostname();
    if (info.address().port() > 0 && info.address().port() <= 65535) {
      address.port = static_cast<uint16_t>(info.address().port());
    }
  }
  if (address.host.empty() && info.ip() != 0) {
    in_addr ip{};
    ip.s_addr = info.ip();  // already in network byte order
    char text[INET_ADDRSTRLEN] = {};
    if (inet_ntop(AF_INET, &ip, text, sizeof text)) address.host = text;
  }
  if (address.host.empty()) address.host = info.hostname();
  if (address.port == 0 && info.port() > 0 && info.port() <= 65535) {
    address.port = static_cast<uint16_t>(info.port());
  }
  if (address.host.empty()) return Error("MasterInfo '" + info.id() + "' has no address");
  if (address.port == 0) return Error("MasterInfo '" + info.id() + "' has no valid port");
  return address;
}

}  // namespace mesolite::zk
