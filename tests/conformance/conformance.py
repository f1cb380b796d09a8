#!/usr/bin/python3
"""Conformance of mesos-master and mesos-agent to Mesos's documented wire format.

A client written from Mesos's documentation (docs/scheduler-http-api.md,
docs/operator-http-api.md, docs/recordio.md, the legacy endpoints' JSON), not from
Mesolite's own client library: Python's http.client and json for application/json, and
message classes that protoc generated from proto/mesos/v1 for application/x-protobuf
(Mesolite's C++ code plays no part in encoding or decoding them).

It starts its own master and agent on 127.0.0.1 (root: the agent runs tasks in cgroups),
drives the v1 Scheduler API and both operator APIs in both content types at Mesos's
paths, reads the legacy endpoints, and compares their JSON by shape with what a real
Mesos 1.12 answered (tests/e2e/data/mesos-1.12-json). Every check runs; each failure is
printed naming the call or path and what differed; the exit code is 1 if any failed,
77 (skipped) when not root.

  conformance.py --master BIN --agent BIN --launcher-dir DIR --protos ZIP --mesos-json DIR
"""

import argparse
import os
import shutil
import sys
import tempfile
import time
import traceback

# The suite's modules sit beside this file; nothing is written into the source tree.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cluster import Cluster  # noqa: E402
from operator_checks import check_agent_operator_api, check_master_operator_api  # noqa: E402
from path_checks import check_agent_paths, check_master_paths  # noqa: E402
from scheduler_checks import SchedulerRun  # noqa: E402
from shape_checks import check_shapes_completed, check_shapes_running  # noqa: E402
from wire import CHECKS, JSON, PROTOBUF, load_protos, log  # noqa: E402

# ---------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--master", required=True)
    parser.add_argument("--agent", required=True)
    parser.add_argument("--launcher-dir", required=True)
    parser.add_argument("--protos", required=True,
                        help="protoc --python_out of proto/mesos/v1 (a .zip or a directory)")
    parser.add_argument("--mesos-json", required=True,
                        help="tests/e2e/data/mesos-1.12-json")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("SKIP: needs root (the agent runs tasks in cgroups and namespaces)")
        return 77

    started = time.monotonic()
    directory = tempfile.mkdtemp(prefix="mesolite-conformance-")
    os.chmod(directory, 0o755)
    cluster = None
    runs = []
    try:
        load_protos(args.protos, os.path.join(directory, "protos"))
        cluster = Cluster(args, directory)
        done = SchedulerRun(cluster, JSON, "/api/v1/scheduler", "/api/v1")
        runs.append(done)
        done.run()
        done.teardown()
        live = SchedulerRun(cluster, PROTOBUF, "/master/api/v1/scheduler", "/master/api/v1")
        runs.append(live)
        live.run()
        if done.framework_id and live.framework_id and len(live.tasks) == 3:
            check_master_operator_api(cluster, done, live)
            check_agent_operator_api(cluster, live)
            check_master_paths(cluster, done, live)
            check_agent_paths(cluster, live)
            check_shapes_running(cluster, live, args)
            live.teardown()
            check_shapes_completed(cluster, args)
        else:
            CHECKS.check("both frameworks subscribed and launched their tasks", False,
                         "the checks that need them did not run")
    except Exception:  # noqa: BLE001 - reported as a failure, the cleanup still runs
        CHECKS.check("the conformance run finished", False, traceback.format_exc())
    finally:
        for run in runs:
            run.close()
        if cluster:
            cluster.stop()
            if CHECKS.failed:
                for daemon in (cluster.master, cluster.agent):
                    if daemon:
                        log(f"--- last lines of the {daemon.name}'s log:\n{daemon.log_tail()}")
        shutil.rmtree(directory, ignore_errors=True)
    log(f"{CHECKS.passed} checks passed, {len(CHECKS.failed)} failed "
        f"({time.monotonic() - started:.1f} s)")
    for failure in CHECKS.failed:
        log(f"  {failure.splitlines()[0]}")
    return 1 if CHECKS.failed else 0


if __name__ == "__main__":
    sys.exit(main())
