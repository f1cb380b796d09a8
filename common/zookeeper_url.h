// zk:// URLs as Mesos takes them (--zk, --master, /etc/mesos/zk):
//   zk://[user:password@]host:port[,host:port...]/path
// The credentials are a ZooKeeper "digest" identity; the hosts are the ensemble, each with
// its port (as Mesos requires); the path is the group's znode.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace mesolite::zk {

struct Url {
  struct Server {
    std::string host;  // a name, an IPv4 address, or an IPv6 address without brackets
    uint16_t port = 0;
  };

  std::vector<Server> servers;        // at least one
  std::optional<std::string> digest;  // "user:password" for zoo_add_auth("digest")
  std::string path;                   // absolute, no trailing '/', "/" for the root

  // "h1:2181,[::1]:2181", as zookeeper_init takes them.
  std::string hosts() const;
  // The URL for messages: the password is never shown ("zk://user:***@h:2181/mesos").
  std::string toString() const;
  // `path` joined with a child's name: "/mesos" + "x" -> "/mesos/x", "/" + "x" -> "/x".
  std::string child(std::string_view name) const;
};

// An error names what is wrong and where ("zk://h/mesos: server 'h' has no port").
// Surrounding whitespace (a configuration file's newline) is ignored.
Result<Url> parseUrl(std::string_view text);

}  // namespace mesolite::zk
