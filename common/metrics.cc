#include "common/metrics.h"

#include <unistd.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/http_server.h"

namespace mesolite::metrics {

void addSystemMetrics(Snapshot& snapshot) {
  if (const long cpus = ::sysconf(_SC_NPROCESSORS_ONLN); cpus > 0) {
    snapshot["system/cpus_total"] = double(cpus);
  }
  std::ifstream loadavg("/proc/loadavg");
  double one = 0, five = 0, fifteen = 0;
  if (loadavg >> one >> five >> fifteen) {
    snapshot["system/load_1min"] = one;
    snapshot["system/load_5min"] = five;
    snapshot["system/load_15min"] = fifteen;
  }
  std::ifstream meminfo("/proc/meminfo");
  std::string name, unit;
  double kib = 0;
  while (meminfo >> name >> kib) {
    std::getline(meminfo, unit);
    // Mesos reports MemAvailable as free: what a new process could get.
    if (name == "MemTotal:") snapshot["system/mem_total_bytes"] = kib * 1024;
    if (name == "MemAvailable:") snapshot["system/mem_free_bytes"] = kib * 1024;
  }
}

std::string prometheusName(const std::string& key) {
  std::string name = "mesos_";
  for (const char c : key) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '_' || c == ':';
    name += allowed ? c : '_';
  }
  return name;
}

std::string toPrometheus(const Snapshot& snapshot) {
  std::ostringstream out;
  out.precision(17);
  for (const auto& [key, value] : snapshot) {
    const std::string name = prometheusName(key);
    out << "# TYPE " << name << " gauge\n" << name << ' ';
    if (std::isnan(value)) {
      out << "NaN";
    } else if (std::isinf(value)) {
      out << (value > 0 ? "+Inf" : "-Inf");
    } else {
      out << value;
    }
    out << '\n';
  }
  return out.str();
}

void addMetricsEndpoints(http::Server& server, std::function<Snapshot()> collect) {
  server.route("/metrics/snapshot", [collect](http::Request&& request, http::Responder responder) {
    if (request.method != "GET" && request.method != "HEAD") {
      return responder.respond(http::Response::text(405, "use GET"));
    }
    nlohmann::json body = nlohmann::json::object();
    for (const auto& [name, value] : collect())
      body[name] = value;
    responder.respond(http::Response::json(200, body.dump()));
  });
  server.route("/metrics/prometheus",
               [collect](http::Request&& request, http::Responder responder) {
                 if (request.method != "GET" && request.method != "HEAD") {
                   return responder.respond(http::Response::text(405, "use GET"));
                 }
                 auto response = http::Response::text(200, toPrometheus(collect()));
                 response.headers["Content-Type"] = "text/plain; version=0.0.4";
                 responder.respond(std::move(response));
               });
}

}  // namespace mesolite::metrics
