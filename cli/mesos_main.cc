// mesos: runs `mesos-<cmd>` for `mesos <cmd> [args]`, as Mesos's `mesos` script does,
// looking beside this binary first so an installed tree works without PATH changes.
#include <limits.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "common/version.h"

using namespace mesolite;

namespace {

std::string selfDirectory() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : self.parent_path().string();
}

void usage(std::ostream& out, const std::vector<std::string>& directories) {
  out << "Usage: mesos <command> [OPTIONS]\n\n"
         "Available commands:\n"
         "    help\n";
  for (const std::string& name : cli::listCommands(directories))
    out << "    " << name << "\n";
  out << "\nSee 'mesos help <command>' for the options of a command.\n";
}

int run(const std::string& program, const std::vector<std::string>& args) {
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(program.c_str()));
  for (const std::string& arg : args)
    argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  ::execv(program.c_str(), argv.data());
  std::cerr << "mesos: cannot run " << program << ": " << std::strerror(errno) << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  const char* path = std::getenv("PATH");
  const auto directories = cli::commandDirectories(selfDirectory(), path ? path : "");
  std::vector<std::string> args(argv + 1, argv + argc);

  if (args.empty() || ((args[0] == "help" || args[0] == "--help") && args.size() == 1)) {
    usage(std::cout, directories);
    return args.empty() ? 1 : 0;
  }
  if (args[0] == "--version") {
    std::cout << "mesos (Mesolite) " << kVersion << ", Mesos API " << kMesosApiVersion << "\n";
    return 0;
  }
  std::vector<std::string> rest;
  std::string command = args[0];
  if (command == "help") {  // `mesos help ps` is `mesos-ps --help`
    command = args[1];
    rest = {"--help"};
  } else {
    rest.assign(args.begin() + 1, args.end());
  }
  if (command.rfind("-", 0) == 0) {
    std::cerr << "mesos: unknown option '" << command << "'\n";
    usage(std::cerr, directories);
    return 1;
  }
  auto program = cli::findCommand(command, directories);
  if (!program) {
    std::cerr << "mesos: '" << command << "' is not a mesos command (no mesos-" << command
              << " beside this program or on PATH). See 'mesos help'.\n";
    return 1;
  }
  return run(*program, rest);
}
