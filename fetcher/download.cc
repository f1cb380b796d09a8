#include "fetcher/download.h"

#include <curl/curl.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

namespace mesolite::fetch {

namespace {

constexpr long kMaxRedirects = 10;

struct Sink {
  CURL* curl = nullptr;
  int fd = -1;
  uint64_t maxBytes = 0;
  uint64_t written = 0;
  bool tooLarge = false;
  bool notOk = false;
  int writeErrno = 0;
};

// Writes only the body of a 200 answer: an error page never lands in the sandbox.
size_t writeBody(char* data, size_t size, size_t count, void* opaque) {
  auto* sink = static_cast<Sink*>(opaque);
  const size_t bytes = size * count;
  long code = 0;
  curl_easy_getinfo(sink->curl, CURLINFO_RESPONSE_CODE, &code);
  if (code != 200) {
    sink->notOk = true;
    return 0;
  }
  if (sink->maxBytes > 0 && sink->written + bytes > sink->maxBytes) {
    sink->tooLarge = true;
    return 0;
  }
  size_t done = 0;
  while (done < bytes) {
    const ssize_t n = ::write(sink->fd, data + done, bytes - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      sink->writeErrno = n < 0 ? errno : EIO;
      return 0;
    }
    done += size_t(n);
  }
  sink->written += bytes;
  return bytes;
}

struct CurlDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};

}  // namespace

Result<void> initDownloads() {
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return Error("curl_global_init failed");
  return success();
}

Result<void> download(const std::string& uri, int fd, const DownloadLimits& limits) {
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return Error("Error downloading resource: curl_easy_init failed");
  Sink sink{.curl = curl.get(), .fd = fd, .maxBytes = limits.maxBytes};
  char message[CURL_ERROR_SIZE] = {};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, uri.c_str());
  // Only the web: a redirect to file://, ftp://, gopher://... is refused by curl itself.
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, kMaxRedirects);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, message);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, writeBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "mesos-fetcher");
  if (limits.stallTimeoutMs > 0) {
    // Mesos's definition of a stall: below one byte per second for the whole timeout.
    const long seconds = long((limits.stallTimeoutMs + 999) / 1000);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, seconds);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, long(limits.stallTimeoutMs));
  }
  if (limits.maxBytes > 0) {
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(limits.maxBytes));
  }
  const CURLcode result = curl_easy_perform(c);
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  if (sink.notOk || (result == CURLE_OK && code != 200)) {
    return Error("Error downloading resource, received HTTP return code " + std::to_string(code));
  }
  if (sink.tooLarge || result == CURLE_FILESIZE_EXCEEDED) {
    return Error("Error downloading resource: larger than " + std::to_string(limits.maxBytes) +
                 " bytes");
  }
  if (sink.writeErrno != 0) {
    return Error::fromErrno("Error downloading resource: write", sink.writeErrno);
  }
  if (result == CURLE_OPERATION_TIMEDOUT && limits.stallTimeoutMs > 0) {
    return Error(
        "Error downloading resource: stalled for " + std::to_string(limits.stallTimeoutMs) +
        " ms (--fetcher_stall_timeout): " + (message[0] ? message : curl_easy_strerror(result)));
  }
  if (result != CURLE_OK) {
    return Error(std::string("Error downloading resource: ") +
                 (message[0] ? message : curl_easy_strerror(result)));
  }
  return success();
}

}  // namespace mesolite::fetch
