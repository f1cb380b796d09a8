// HTTP(S) downloads with libcurl, for mesos-fetcher.
#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"

namespace mesolite::fetch {

struct DownloadLimits {
  uint64_t stallTimeoutMs = 0;  // abort below 1 byte/s for this long (0: never)
  uint64_t maxBytes = 0;        // abort past this size (0: no cap)
};

// Fetches `uri` (http:// or https:// only, redirects included) into `fd`. Anything but
// HTTP 200 is an error with Mesos's wording ("received HTTP return code 404").
Result<void> download(const std::string& uri, int fd, const DownloadLimits& limits);

// Once per process, before any download.
Result<void> initDownloads();

}  // namespace mesolite::fetch
