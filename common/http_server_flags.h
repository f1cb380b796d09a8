// The HTTP server's bounds as flags, the same on master and agent: how many connections,
// how many request-body bytes in flight, how far an event stream's reader may fall behind.
#pragma once

#include <cstdint>

#include "common/flags.h"
#include "common/http_server.h"

namespace mesolite {

struct HttpServerFlags {
  uint32_t http_max_connections = 0;
  Bytes http_request_body_budget;
  Bytes http_max_stream_backlog;

  void add(FlagSet& set);
};

}  // namespace mesolite
