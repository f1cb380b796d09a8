// Man pages of the binaries, rendered (troff, man(7) macros) from the same FlagSet that
// parses their flags and prints --help, so that no flag goes undocumented.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/flags.h"

namespace mesolite {

struct ManPage {
  std::string name;  // e.g. mesos-agent
  int section = 8;
  std::string summary;   // the NAME line, after the dash
  std::string synopsis;  // e.g. "mesos-agent --master=HOST:PORT --work_dir=DIR [OPTION]..."
  // Sections in order, each a title and its paragraphs (plain text; lines that start
  // with "  " are kept as they are, as examples). OPTIONS and ENVIRONMENT come from
  // the flags, after DESCRIPTION.
  std::vector<std::pair<std::string, std::vector<std::string>>> sections;
};

// `flags` may be null for a page without options.
std::string renderManPage(const ManPage& page, const FlagSet* flags);

// Text made safe for troff: backslashes doubled, dashes as \-, a leading . or ' escaped.
std::string troffEscape(const std::string& text);

}  // namespace mesolite
