#include "common/http_server_flags.h"

namespace mesolite {

// Defaults sized for a small (2-core, a few GiB) node, where the daemon idles near 10 MiB:
//  - 1024 connections: agents, schedulers, executors and operators of a cluster fit with
//    room to spare; each idle connection costs a few KiB, a reading one up to its header
//    limit (64 KiB), so the worst case stays near 64 MiB.
//  - 128 MiB of request bodies at once: eight requests of the largest size (16 MiB) in
//    flight; v1 API calls are kilobytes, so real clients never meet it.
//  - 2 MiB of backlog per event stream: thousands of events; a reader that far behind is
//    not keeping up, and 50 of them cost 100 MiB, not unbounded growth.
void HttpServerFlags::add(FlagSet& set) {
  set.add(&http_max_connections, "http_max_connections",
          "HTTP connections open at once. A client beyond it gets 503 (\"too many "
          "connections\") and is closed without its request being read.",
          uint32_t(1024))
      .validate([](const std::string& text) -> Result<void> {
        if (text == "0") return Error("must be at least 1");
        return success();
      });
  set.add(&http_request_body_budget, "http_request_body_budget",
          "Request bodies being received at once, all connections together. A request is "
          "admitted when its Content-Length fits what is left of it, else answered 503; a "
          "chunked body without Content-Length may reach 1MB (413 beyond).",
          Bytes{128ULL << 20});
  set.add(&http_max_stream_backlog, "http_max_stream_backlog",
          "Bytes an event stream (operator SUBSCRIBE, scheduler and agent streams) may queue "
          "for a client that does not read them; beyond it the stream is ended and the "
          "subscriber dropped (logged with its address). A single event larger than this "
          "still goes out when nothing else waits.",
          Bytes{2ULL << 20});
}

}  // namespace mesolite
