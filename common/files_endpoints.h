// Mesos's /files endpoints over a VirtualFiles: /files/browse, /files/read,
// /files/download and /files/debug (with their /files/*.json forms), answered as Mesos
// answers them, so its web UI, CLI and tools read sandboxes and logs unchanged.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "common/http.h"
#include "common/virtual_files.h"

namespace mesolite::http {
class Server;
}

namespace mesolite::files {

void addFilesEndpoints(http::Server& server, std::shared_ptr<const VirtualFiles> files);

// A Failure as the HTTP response it maps to.
http::Response failureResponse(const Failure& failure);

// LIST_FILES and READ_FILE, the same on the master's and the agent's operator API
// (their Call and Response types); nullopt for any other call.
template <typename Call, typename Response>
std::optional<Answer<Response>> answerFilesCall(const Call& call, const VirtualFiles& files) {
  Response response;
  if (call.type() == Call::LIST_FILES) {
    if (!call.has_list_files()) return Failure{400, "expecting 'list_files'"};
    auto listing = files.list(call.list_files().path());
    if (auto* bad = std::get_if<Failure>(&listing)) return *bad;
    response.set_type(Response::LIST_FILES);
    for (auto& info : std::get<std::vector<mesos::v1::FileInfo>>(listing))
      *response.mutable_list_files()->add_file_infos() = std::move(info);
    return response;
  }
  if (call.type() == Call::READ_FILE) {
    if (!call.has_read_file()) return Failure{400, "expecting 'read_file'"};
    const auto& read = call.read_file();
    if (read.offset() > uint64_t(INT64_MAX) || (read.has_length() && read.length() > INT64_MAX)) {
      return Failure{400, "offset or length out of range"};
    }
    std::optional<int64_t> length;
    if (read.has_length()) length = int64_t(read.length());
    auto slice = files.read(read.path(), int64_t(read.offset()), length);
    if (auto* bad = std::get_if<Failure>(&slice)) return *bad;
    response.set_type(Response::READ_FILE);
    response.mutable_read_file()->set_size(std::get<Slice>(slice).size);
    response.mutable_read_file()->set_data(std::move(std::get<Slice>(slice).data));
    return response;
  }
  return std::nullopt;
}

// Mesos's JSON model of a FileInfo: mode as `ls -l` writes it, mtime in seconds.
std::string fileInfoJson(const mesos::v1::FileInfo& info);

}  // namespace mesolite::files
