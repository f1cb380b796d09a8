// zk:// URLs (common/zookeeper_url.cc) and group member names (common/zookeeper_group.cc):
// whatever parses is well-formed, prints back without the password, and parses again to
// the same; whatever does not has a message.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/zookeeper_group.h"
#include "common/zookeeper_url.h"

namespace {

void require(bool condition) {
  if (!condition) abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto member = mesolite::zk::parseMember(text)) {
    require(member->name == text);
    require(member->sequence <= 9999999999ull);
  }
  auto url = mesolite::zk::parseUrl(text);
  if (!url) {
    require(!url.error().message.empty());
    return 0;
  }
  require(!url->servers.empty());
  require(!url->path.empty() && url->path.front() == '/');
  require(url->path == "/" || url->path.back() != '/');
  for (const auto& server : url->servers)
    require(!server.host.empty() && server.port != 0);
  const std::string shown = url->toString();
  if (url->digest) {
    require(shown.find(":***@") != std::string::npos);
  }
  // Without credentials, what is shown is a URL that parses to the same.
  mesolite::zk::Url plain = *url;
  plain.digest.reset();
  auto again = mesolite::zk::parseUrl(plain.toString());
  require(again.ok());
  require(again->hosts() == url->hosts() && again->path == url->path);
  require(url->child("x").size() > 1);
  return 0;
}
