// Arbitrary command lines and environments through the flag loader. A load that
// succeeds must give values that load again to the same values.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/flags.h"

namespace {

struct Flags {
  mesolite::FlagSet set{"fuzz", ""};
  std::string work_dir;
  uint32_t port = 0;
  int64_t offset = 0;
  double ratio = 0;
  bool strict = true;
  mesolite::Duration timeout;
  mesolite::Bytes size;
  std::optional<std::string> master;

  Flags() {
    set.add(&work_dir, "work_dir", "", std::string("/var/lib/mesos"));
    set.add(&port, "port", "", uint32_t(5051));
    set.add(&offset, "offset", "", int64_t(0));
    set.add(&ratio, "ratio", "", 1.0);
    set.add(&strict, "strict", "", true);
    set.add(&timeout, "timeout", "", mesolite::Duration{});
    set.add(&size, "size", "", mesolite::Bytes{});
    set.add(&master, "master", "").alias("old_master");
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Lines are arguments; a line "ENV NAME=VALUE" is an environment variable.
  // file:// values are not followed: the fuzzer must not read the machine's files.
  std::string input(reinterpret_cast<const char*>(data), size);
  if (input.find("file://") != std::string::npos) return 0;
  std::vector<std::string> args;
  std::map<std::string, std::string> env;
  size_t start = 0;
  while (start <= input.size()) {
    size_t end = input.find('\n', start);
    if (end == std::string::npos) end = input.size();
    std::string line = input.substr(start, end - start);
    if (line.rfind("ENV ", 0) == 0) {
      const size_t eq = line.find('=');
      if (eq != std::string::npos) env[line.substr(4, eq - 4)] = line.substr(eq + 1);
    } else if (!line.empty()) {
      args.push_back(line);
    }
    start = end + 1;
  }

  Flags first;
  if (!first.set.load(args, env)) return 0;
  if (first.set.helpRequested() || first.set.versionRequested()) return 0;
  std::vector<std::string> again;
  for (const auto& [name, value] : first.set.values())
    again.push_back("--" + name + "=" + value);
  Flags second;
  if (!second.set.load(again, {})) abort();
  if (second.set.values() != first.set.values()) abort();
  return 0;
}
