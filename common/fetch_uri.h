// The rules for CommandInfo.uris that the master, the agent and mesos-fetcher share:
// which URIs can be fetched, the file name a URI lands under in the sandbox, and which
// output_file names are allowed. Strings only (no protobuf), so the fetcher helper links
// nothing more.
#pragma once

#include <string>

#include "common/result.h"

namespace mesolite::fetch {

enum class UriKind { kHttp, kLocal };  // kHttp: http:// or https://; kLocal: file:// or a path

// http://, https://, file:///abs and /abs are fetched. Any other scheme (hdfs, s3, ftp...)
// and relative paths (Mesos's --frameworks_home) are refused with a message naming the URI.
Result<UriKind> classifyUri(const std::string& uri);

// The local path of a file:// URI or a plain path (file://localhost/x is /x).
Result<std::string> localPath(const std::string& uri);

// Mesos's name for what a URI fetches: the text after its last '/' (a query string
// included, as Mesos does). Never empty, "." or "..".
Result<std::string> uriBasename(const std::string& uri);

// output_file: a relative path inside the sandbox; no "." or ".." component, no empty
// component, and not the sandbox's own stdout/stderr.
Result<void> validateOutputFile(const std::string& path);

// One CommandInfo.URI: its value and, when set, its output_file; the name it lands under
// must not be the sandbox's stdout or stderr.
Result<void> validateFetch(const std::string& uri, const std::string* outputFile);

// Whether `relative` (already normalised) is the sandbox's stdout or stderr, which the
// task's output is appended to: nothing fetched may replace them.
bool isSandboxLog(const std::string& relative);

}  // namespace mesolite::fetch
