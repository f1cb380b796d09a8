#include "common/man_page.h"

#include <algorithm>
#include <cctype>
#include <sstream>

#include "common/version.h"

namespace mesolite {

namespace {

std::string upper(std::string text) {
  for (char& c : text)
    c = char(std::toupper(uint8_t(c)));
  return text;
}

void paragraph(std::ostringstream& out, const std::string& text) {
  if (text.rfind("  ", 0) == 0) {
    // An example: kept as it is, in a block that is not filled.
    out << ".PP\n.nf\n.RS 4\n" << troffEscape(text.substr(2)) << "\n.RE\n.fi\n";
    return;
  }
  out << ".PP\n" << troffEscape(text) << "\n";
}

void options(std::ostringstream& out, const FlagSet& flags) {
  out << ".SH OPTIONS\n";
  for (const Flag* flag : flags.sortedFlags()) {
    out << ".TP\n";
    if (flag->isBool) {
      out << ".BR \\-\\-" << troffEscape(flag->name) << " \", \" \\-\\-no\\-"
          << troffEscape(flag->name) << "\n";
    } else {
      out << ".BI \\-\\-" << troffEscape(flag->name) << "= VALUE\n";
    }
    std::string help = flag->help;
    if (flag->isRequired) help += " Required.";
    if (flag->defaultText && !flag->defaultText->empty()) {
      help += " Default: " + *flag->defaultText + ".";
    }
    for (const std::string& alias : flag->aliases)
      help += " Also --" + alias + ".";
    out << troffEscape(help) << "\n";
  }
  out << ".TP\n.B \\-\\-help\nPrints the options with their defaults and exits.\n";
  out << ".TP\n.B \\-\\-version\nPrints the version and exits.\n";
}

void environment(std::ostringstream& out, const FlagSet& flags) {
  out << ".SH ENVIRONMENT\n.PP\n"
      << troffEscape(
             "Every option may also be given as an environment variable MESOS_<NAME>, e.g. "
             "MESOS_" +
             upper(flags.flags().empty() ? std::string("port") : flags.flags().front().name) +
             "; the command line wins over the environment. A value file:///path is read "
             "from that file (trailing newlines dropped).")
      << "\n";
}

void refusedOptions(std::ostringstream& out, const FlagSet& flags) {
  const std::vector<RefusedFlag> refused = flags.refusedFlags();
  if (refused.empty()) return;
  out << ".SH \"MESOS OPTIONS NOT SUPPORTED\"\n.PP\n"
      << troffEscape(
             "These flags of Apache Mesos are refused: given on the command line, as "
             "MESOS_<NAME> or in a flag file, they stop " +
             flags.program() + " at start with the reason and what to do instead.")
      << "\n";
  for (const RefusedFlag& flag : refused) {
    out << ".TP\n.B \\-\\-" << troffEscape(std::string(flag.name)) << "\n"
        << troffEscape(std::string(flag.why) + "; " + std::string(flag.instead) + ".") << "\n";
  }
}

}  // namespace

std::string troffEscape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else if (c == ',' || c == ';') {
      // Long lists (a default --isolation) have no spaces: let lines break after these.
      out += c;
      out += "\\:";
    } else {
      out += c;
    }
  }
  // A line that starts with . or ' would be read as a request.
  std::string safe;
  bool lineStart = true;
  for (char c : out) {
    if (lineStart && (c == '.' || c == '\'')) safe += "\\&";
    safe += c;
    lineStart = c == '\n';
  }
  return safe;
}

std::string renderManPage(const ManPage& page, const FlagSet* flags) {
  std::ostringstream out;
  out << ".\\\" Generated from the flag definitions of " << page.name << "; do not edit.\n";
  out << ".TH " << upper(page.name) << " " << page.section << " \"\" \"Mesolite " << kVersion
      << "\" \"Mesolite\"\n";
  // Option names must come out whole, for the reader and for grep.
  out << ".nh\n.ad l\n";
  out << ".SH NAME\n" << troffEscape(page.name) << " \\- " << troffEscape(page.summary) << "\n";
  out << ".SH SYNOPSIS\n.nf\n" << troffEscape(page.synopsis) << "\n.fi\n";
  bool flagsDone = flags == nullptr;
  for (const auto& [title, paragraphs] : page.sections) {
    out << ".SH " << upper(title) << "\n";
    for (const std::string& text : paragraphs)
      paragraph(out, text);
    if (!flagsDone && upper(title) == "DESCRIPTION") {
      options(out, *flags);
      environment(out, *flags);
      refusedOptions(out, *flags);
      flagsDone = true;
    }
  }
  if (!flagsDone) {
    options(out, *flags);
    environment(out, *flags);
    refusedOptions(out, *flags);
  }
  return out.str();
}

}  // namespace mesolite
