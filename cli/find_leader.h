// The --master of the one-shot tools (mesos ps, cat, tail, resolve): HOST:PORT,
// http(s)://HOST:PORT or zk://[USER:PASSWORD@]HOST:PORT[,...]/PATH, turned into the
// leading master once, waiting up to the tool's --timeout for one.
#pragma once

#include <chrono>
#include <string>

#include "common/leader_detector.h"
#include "common/result.h"

namespace mesolite::cli {

// The error says which master could not be detected and why ("no leader", a bad URL,
// ZooKeeper unreachable).
Result<detect::Leader> findLeader(const std::string& master, std::chrono::milliseconds timeout);

// Log lines (the detector's, ZooKeeper's) go to stderr, never among a tool's output on
// stdout; below WARNING only with `verbose`.
void logToStderr(const std::string& program, bool verbose);

// HOST:PORT of a leader as Mesos's mesos-resolve prints it: its pid without "master@"
// when the leader's MasterInfo has one, else where calls go.
std::string leaderAddress(const detect::Leader& leader);

}  // namespace mesolite::cli
