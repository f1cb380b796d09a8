// mesos-fetcher's log lines, in glog's layout as Mesos's fetcher writes them to the
// sandbox's stderr: "I0214 10:01:02.123456  4242 fetcher.cc:57] Fetching URI '...'".
#pragma once

#include <sys/time.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <string>

namespace mesolite::fetch {

inline void logLine(char level, int line, const std::string& message) {
  timeval now{};
  gettimeofday(&now, nullptr);
  tm local{};
  localtime_r(&now.tv_sec, &local);
  std::fprintf(stderr, "%c%02d%02d %02d:%02d:%02d.%06ld %6d fetcher.cc:%d] %s\n", level,
               local.tm_mon + 1, local.tm_mday, local.tm_hour, local.tm_min, local.tm_sec,
               long(now.tv_usec), int(getpid()), line, message.c_str());
  std::fflush(stderr);
}

}  // namespace mesolite::fetch

#define FETCH_INFO(message) ::mesolite::fetch::logLine('I', __LINE__, (message))
#define FETCH_WARN(message) ::mesolite::fetch::logLine('W', __LINE__, (message))
#define FETCH_ERROR(message) ::mesolite::fetch::logLine('E', __LINE__, (message))
