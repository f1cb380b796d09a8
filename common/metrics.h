// Metrics as Mesos publishes them (/metrics/snapshot, GET_METRICS: a flat map of
// "group/name" to a number), the host's system/* figures both daemons add, and the same
// map as Prometheus's text exposition (/metrics/prometheus), which Mesos never had.
#pragma once

#include <functional>
#include <map>
#include <string>

namespace mesolite::http {
class Server;
}

namespace mesolite::metrics {

using Snapshot = std::map<std::string, double>;

// system/cpus_total, system/load_{1,5,15}min, system/mem_{total,free}_bytes, read from
// /proc now (missing files leave their keys out).
void addSystemMetrics(Snapshot& snapshot);

// "master/tasks_running" -> "mesos_master_tasks_running"; every character Prometheus
// does not allow in a name becomes '_'.
std::string prometheusName(const std::string& key);
// One "# TYPE name gauge" and "name value" pair per metric.
std::string toPrometheus(const Snapshot& snapshot);

// GET /metrics/snapshot (JSON, ?jsonp=) and /metrics/prometheus, both from `collect`.
void addMetricsEndpoints(http::Server& server, std::function<Snapshot()> collect);

}  // namespace mesolite::metrics
