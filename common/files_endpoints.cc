#include "common/files_endpoints.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <nlohmann/json.hpp>

#include "common/http_server.h"

namespace mesolite::files {
namespace {

// One piece of a download: what is read from the file and queued at a time.
constexpr size_t kDownloadChunk = 64 << 10;

char fileType(uint32_t mode) {
  if (S_ISDIR(mode)) return 'd';
  if (S_ISCHR(mode)) return 'c';
  if (S_ISBLK(mode)) return 'b';
  if (S_ISFIFO(mode)) return 'p';
  if (S_ISLNK(mode)) return 'l';
  if (S_ISSOCK(mode)) return 's';
  return '-';
}

nlohmann::json fileInfoModel(const mesos::v1::FileInfo& info) {
  std::string mode(1, fileType(info.mode()));
  const char* letters = "rwxrwxrwx";
  for (int bit = 0; bit < 9; ++bit)
    mode += (info.mode() & (0400u >> bit)) ? letters[bit] : '-';
  return {{"path", info.path()}, {"nlink", info.nlink()},
          {"size", info.size()}, {"mtime", double(info.mtime().nanoseconds()) / 1e9},
          {"mode", mode},        {"uid", info.uid()},
          {"gid", info.gid()}};
}

std::string dump(const nlohmann::json& json) {
  // File contents are bytes, not always UTF-8: invalid sequences become U+FFFD rather
  // than failing the read.
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A whole decimal number or a Failure naming the parameter.
Answer<int64_t> parseInteger(const std::string& name, const std::string& text) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) {
    return Failure{400, "failed to parse " + name + ": '" + text + "' is not an integer"};
  }
  return value;
}

bool isGet(const http::Request& request, const http::Responder& responder) {
  if (request.method == "GET") return true;
  auto response = http::Response::text(405, request.method + " is not allowed: use GET");
  response.headers["Allow"] = "GET";
  responder.respond(std::move(response));
  return false;
}

std::optional<std::string> pathParameter(const http::Request& request,
                                         const http::Responder& responder) {
  auto path = request.query.find("path");
  if (path == request.query.end()) {
    responder.respond(http::Response::badRequest("expecting 'path=value' in the query"));
    return std::nullopt;
  }
  return path->second;
}

// Sends the file piece by piece, each once the previous one has left.
void pump(std::shared_ptr<OpenFile> file, std::shared_ptr<http::ResponseStream> stream,
          uint64_t offset) {
  std::string chunk(kDownloadChunk, '\0');
  ssize_t n;
  do {
    n = ::pread(file->fd.get(), chunk.data(), chunk.size(), off_t(offset));
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return stream->close();  // the end, or an error: the chunked body ends short
  chunk.resize(size_t(n));
  stream->write(std::move(chunk));
  stream->whenDrained([file, stream, next = offset + uint64_t(n)] { pump(file, stream, next); });
}

}  // namespace

http::Response failureResponse(const Failure& failure) {
  return http::Response::text(failure.status, failure.message);
}

std::string fileInfoJson(const mesos::v1::FileInfo& info) {
  return dump(fileInfoModel(info));
}

void addFilesEndpoints(http::Server& server, std::shared_ptr<const VirtualFiles> files) {
  server.route("/files/browse", [files](http::Request&& request, http::Responder responder) {
    if (!isGet(request, responder)) return;
    auto path = pathParameter(request, responder);
    if (!path) return;
    auto listing = files->list(*path);
    if (auto* bad = std::get_if<Failure>(&listing)) return responder.respond(failureResponse(*bad));
    nlohmann::json entries = nlohmann::json::array();
    for (const auto& info : std::get<std::vector<mesos::v1::FileInfo>>(listing))
      entries.push_back(fileInfoModel(info));
    responder.respond(http::Response::json(200, dump(entries)));
  });

  server.route("/files/read", [files](http::Request&& request, http::Responder responder) {
    if (!isGet(request, responder)) return;
    auto path = pathParameter(request, responder);
    if (!path) return;
    int64_t offset = 0;
    std::optional<int64_t> length;
    if (auto given = request.query.find("offset"); given != request.query.end()) {
      auto parsed = parseInteger("offset", given->second);
      if (auto* bad = std::get_if<Failure>(&parsed))
        return responder.respond(failureResponse(*bad));
      offset = std::get<int64_t>(parsed);
    }
    if (auto given = request.query.find("length"); given != request.query.end()) {
      auto parsed = parseInteger("length", given->second);
      if (auto* bad = std::get_if<Failure>(&parsed))
        return responder.respond(failureResponse(*bad));
      length = std::get<int64_t>(parsed);
    }
    auto slice = files->read(*path, offset, length);
    if (auto* bad = std::get_if<Failure>(&slice)) return responder.respond(failureResponse(*bad));
    const auto& read = std::get<Slice>(slice);
    responder.respond(
        http::Response::json(200, dump({{"data", read.data}, {"offset", read.offset}})));
  });

  server.route("/files/download", [files](http::Request&& request, http::Responder responder) {
    if (!isGet(request, responder)) return;
    auto path = pathParameter(request, responder);
    if (!path) return;
    auto opened = files->open(*path);
    if (auto* bad = std::get_if<Failure>(&opened)) return responder.respond(failureResponse(*bad));
    auto file = std::make_shared<OpenFile>(std::move(std::get<OpenFile>(opened)));
    http::Headers headers;
    headers["Content-Type"] = "application/octet-stream";
    headers["Content-Disposition"] = "attachment; filename=" + file->name;
    auto stream = responder.stream(200, std::move(headers));
    stream->whenDrained([file, stream] { pump(file, stream, 0); });
  });

  server.route("/files/debug", [files](http::Request&& request, http::Responder responder) {
    if (!isGet(request, responder)) return;
    nlohmann::json object = nlohmann::json::object();
    for (const auto& [virtualPath, realPath] : files->describe())
      object[virtualPath] = realPath;
    responder.respond(http::Response::json(200, dump(object)));
  });

  for (const std::string name : {"browse", "read", "download", "debug"})
    (void)server.alias("/files/" + name + ".json", "/files/" + name);
}

}  // namespace mesolite::files
