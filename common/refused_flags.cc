#include "common/refused_flags.h"

namespace mesolite {

namespace {

constexpr std::string_view kOnlyIsolatorModules =
    "only isolator modules can be loaded (--modules on the agent)";

constexpr RefusedFlag kCommonRefusedFlags[] = {
    {"domain", "fault domains (regions and zones) are not supported",
     "remove it; tell hosts apart with attributes (--attributes on the agent)"},
    {"external_log_file", "the log is already either the --log_dir file or standard error",
     "remove it, and use --log_dir (or the journal under systemd)"},
    {"firewall_rules", "endpoint firewall rules are not supported",
     "remove it, and filter the port with the host's firewall"},
    {"hooks", kOnlyIsolatorModules, "remove it"},
    {"initialize_driver_logging", "no scheduler or executor driver runs inside the daemon",
     "remove it"},
    {"ip_discovery_command", "running a command to find the address is not supported",
     "remove it, and give --ip (and --advertise_ip behind NAT)"},
    {"modules_dir", "a directory of module files is not read",
     "give the one module file with --modules on the agent"},
};

}  // namespace

std::span<const RefusedFlag> commonRefusedFlags() {
  return kCommonRefusedFlags;
}

}  // namespace mesolite
