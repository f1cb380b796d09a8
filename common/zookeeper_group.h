// The layout of a Mesos master group in ZooKeeper (Mesos's src/master/detector/ and
// src/zookeeper/group.cpp): every contending master owns an ephemeral sequential child of
// the group's path named "json.info_<10-digit sequence>" holding its MasterInfo as JSON
// (protobuf's JSON mapping); the lowest sequence leads. Masters before Mesos 0.24 wrote
// "info_<sequence>" with a binary MasterInfo instead. Other children (our "registry") are
// not members. Pure functions: no session, easy to test and fuzz.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "mesos/v1/mesos.pb.h"

namespace mesolite::zk {

inline constexpr std::string_view kJsonMemberPrefix = "json.info_";
inline constexpr std::string_view kLegacyMemberPrefix = "info_";

struct Member {
  std::string name;  // the child's name, "json.info_0000000012"
  uint64_t sequence = 0;
  bool json = true;  // false: a legacy info_ member (binary MasterInfo)
};

// A child's name as a member; nullopt for anything else.
std::optional<Member> parseMember(std::string_view name);

// Whom the group follows: the json.info_ member with the lowest sequence; only when there
// is none, the lowest legacy info_ member (its data is not JSON, which Mesos's own tools
// since 0.24 do not read).
std::optional<Member> leaderOf(const std::vector<std::string>& children);

// The MasterInfo in a member's znode; an error names `path` and what is wrong with it.
Result<mesos::v1::MasterInfo> parseMasterInfo(const Member& member, std::string_view data,
                                              const std::string& path);

struct MasterAddress {
  std::string host;
  uint16_t port = 0;
};
// Where a master takes calls: its address's ip (else hostname) and port, else the legacy
// ip field (network byte order) and port, as Mesos's clients read them.
Result<MasterAddress> addressOf(const mesos::v1::MasterInfo& info);

}  // namespace mesolite::zk
