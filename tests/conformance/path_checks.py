"""Mesos's legacy paths on both daemons, ?jsonp=, redirects, metrics and /files."""

import json
import urllib.parse

from wire import CHECKS, JSON, Response, get, log, request, sandbox_path

# ---------------------------------------------------------------------------------------
# Paths: Mesos's names of every endpoint, jsonp, the redirect, sandbox files.


def check_json_path(port, path, who, want=None):
    """GET path answers 200 with a JSON document; want(document) -> problems."""
    response = get(port, path)
    where = f"{who} GET {path}"
    if not CHECKS.equal(f"{where}: status", response.status, 200):
        log(f"  body: {response.body[:200]!r}")
        return None
    CHECKS.check(f"{where}: Content-Type is JSON",
                 (response.header("Content-Type") or "").startswith(JSON),
                 f"{response.header('Content-Type')}")
    try:
        document = json.loads(response.body)
    except ValueError as error:
        CHECKS.check(f"{where}: body is JSON", False, f"{error}: {response.body[:200]!r}")
        return None
    if want:
        problems = want(document)
        CHECKS.check(f"{where}: content", not problems, "; ".join(problems))
    return document


def check_jsonp(port, path, who):
    separator = "&" if "?" in path else "?"
    response = get(port, f"{path}{separator}jsonp=cb")
    where = f"{who} GET {path}{separator}jsonp=cb"
    if not CHECKS.equal(f"{where}: status", response.status, 200):
        return
    CHECKS.check(f"{where}: Content-Type text/javascript",
                 (response.header("Content-Type") or "").startswith("text/javascript"),
                 f"{response.header('Content-Type')}")
    body = response.body.strip()
    wrapped = body.startswith(b"cb(") and (body.endswith(b");") or body.endswith(b")"))
    if CHECKS.check(f"{where}: body is cb(<json>)", wrapped, f"{body[:60]!r}...{body[-20:]!r}"):
        inner = body[3:-2] if body.endswith(b");") else body[3:-1]
        try:
            json.loads(inner)
            CHECKS.check(f"{where}: the wrapped JSON parses", True)
        except ValueError as error:
            CHECKS.check(f"{where}: the wrapped JSON parses", False, str(error))


def check_master_paths(cluster, done, live):
    port = cluster.master_port

    def state(document):
        problems = []
        if len(document.get("slaves", [])) != 1:
            problems.append(f"{len(document.get('slaves', []))} slaves")
        active = {f.get("id") for f in document.get("frameworks", [])}
        completed = {f.get("id") for f in document.get("completed_frameworks", [])}
        if live.framework_id not in active:
            problems.append(f"frameworks {active}")
        if done.framework_id not in completed:
            problems.append(f"completed_frameworks {completed}")
        return problems

    def frameworks(document):
        active = {f.get("id") for f in document.get("frameworks", [])}
        return [] if live.framework_id in active else [f"frameworks {active}"]

    def slaves(document):
        return [] if len(document.get("slaves", [])) == 1 else [f"slaves {document}"[:200]]

    def tasks(document):
        found = {t.get("id"): t.get("state") for t in document.get("tasks", [])}
        want = {live.tasks["keep"]: "TASK_RUNNING", live.tasks["echo"]: "TASK_FINISHED"}
        return [f"tasks[{k}] is {found.get(k)}" for k, v in want.items() if found.get(k) != v]

    def roles(document):
        names = {r.get("name") for r in document.get("roles", [])}
        return [] if "conformance-protobuf" in names else [f"roles {names}"]

    def flags(document):
        port_flag = document.get("flags", {}).get("port")
        return [] if port_flag == str(port) else [f"flags.port {port_flag}"]

    def version(document):
        return [] if document.get("version") else ["no version"]

    for path, want in (("/master/state", state), ("/master/state.json", state),
                       ("/state", state), ("/state.json", state),
                       ("/master/state-summary", frameworks),
                       ("/master/state-summary.json", frameworks),
                       ("/state-summary", frameworks),
                       ("/master/frameworks", frameworks), ("/master/frameworks.json", frameworks),
                       ("/frameworks", frameworks), ("/master/slaves", slaves),
                       ("/master/slaves.json", slaves), ("/slaves", slaves),
                       ("/master/tasks", tasks), ("/master/tasks.json", tasks), ("/tasks", tasks),
                       ("/master/roles", roles), ("/master/roles.json", roles), ("/roles", roles),
                       ("/master/flags", flags), ("/flags", flags),
                       ("/master/version", version), ("/version", version)):
        check_json_path(port, path, "master", want)
    for path in ("/master/health", "/health"):
        CHECKS.equal(f"master GET {path}: status", get(port, path).status, 200)
    for path in ("/master/state", "/master/frameworks", "/master/tasks"):
        check_jsonp(port, path, "master")
    for path in ("/master/redirect", "/redirect"):
        response = get(port, path)
        CHECKS.equal(f"master GET {path}: status", response.status, 307)
        location = response.header("Location") or ""
        CHECKS.equal(f"master GET {path}: Location", location, f"//127.0.0.1:{port}")
        if location.startswith("//"):
            leader = urllib.parse.urlsplit("http:" + location)
            answer = request(leader.port or 80, "GET", "/master/health") \
                if leader.hostname == "127.0.0.1" else Response(0, [], b"")
            CHECKS.equal(f"master GET {path}: the leader it names answers /master/health",
                         answer.status, 200)
    snapshot = check_json_path(port, "/metrics/snapshot", "master", lambda d: [] if
                               d.get("master/frameworks_active") == 1 else
                               [f"master/frameworks_active {d.get('master/frameworks_active')}"])
    if snapshot is not None:
        CHECKS.check("master GET /metrics/snapshot: Mesos's allocator/system keys",
                     any(k.startswith("allocator/mesos/") for k in snapshot) and
                     "system/cpus_total" in snapshot, f"keys {sorted(snapshot)[:30]}")
    response = get(port, "/metrics/prometheus")
    CHECKS.equal("master GET /metrics/prometheus: status", response.status, 200)
    CHECKS.check("master GET /metrics/prometheus: mesos_master_tasks_running 1",
                 b"\nmesos_master_tasks_running 1" in b"\n" + response.body,
                 f"{response.body[:300]!r}")
    # The master's own log (--log_dir) at Mesos's virtual path.
    check_json_path(port, "/files/read?path=/master/log&offset=0", "master",
                    lambda d: [] if "master listening on" in d.get("data", "") else
                    [f"{d}"[:200]])
    response = get(port, "/files/download?path=/master/log")
    CHECKS.check("master GET /files/download?path=/master/log: 200 with the log",
                 response.status == 200 and b"master listening on" in response.body,
                 f"{response.status} {response.body[:200]!r}")
    # POST /master/teardown (an operator's teardown) of a framework that is not there.
    response = request(port, "POST", "/master/teardown", b"frameworkId=no-such-framework",
                       {"Content-Type": "application/x-www-form-urlencoded"})
    CHECKS.equal("master POST /master/teardown of an unknown framework: status",
                 response.status, 400)


def check_agent_paths(cluster, live):
    port = cluster.agent_port
    keep = live.tasks["keep"]
    framework = live.framework_id

    def state(document):
        problems = []
        if document.get("hostname") != "127.0.0.1":
            problems.append(f"hostname {document.get('hostname')}")
        found = {t.get("id") for f in document.get("frameworks", [])
                 for e in f.get("executors", []) for t in e.get("tasks", [])}
        return problems + ([] if keep in found else [f"running tasks {found}"])

    def flags(document):
        port_flag = document.get("flags", {}).get("port")
        return [] if port_flag == str(port) else [f"flags.port {port_flag}"]

    def statistics(document):
        found = {entry.get("executor_id"): entry.get("statistics", {}) for entry in document}
        if keep not in found:
            return [f"executors {list(found)}"]
        stats = found[keep]
        return [f"statistics.{key} missing" for key in ("timestamp", "mem_rss_bytes",
                                                        "cpus_limit", "mem_limit_bytes")
                if key not in stats]

    def snapshot(document):
        return [] if document.get("slave/tasks_running") == 1 else \
            [f"slave/tasks_running {document.get('slave/tasks_running')}"]

    for path, want in (("/state", state), ("/slave(1)/state", state),
                       ("/state.json", state), ("/slave(1)/state.json", state),
                       ("/flags", flags), ("/slave(1)/flags", flags),
                       ("/monitor/statistics", statistics),
                       ("/monitor/statistics.json", statistics),
                       ("/slave(1)/monitor/statistics", statistics),
                       ("/metrics/snapshot", snapshot)):
        check_json_path(port, path, "agent", want)
    for path in ("/health", "/slave(1)/health"):
        CHECKS.equal(f"agent GET {path}: status", get(port, path).status, 200)
    for path in ("/state", "/slave(1)/state", "/monitor/statistics"):
        check_jsonp(port, path, "agent")
    response = get(port, "/metrics/prometheus")
    CHECKS.check("agent GET /metrics/prometheus: mesos_slave_tasks_running 1",
                 response.status == 200 and
                 b"\nmesos_slave_tasks_running 1" in b"\n" + response.body,
                 f"{response.status} {response.body[:300]!r}")

    # Sandbox files at Mesos's virtual paths.
    run = sandbox_path(framework, live.tasks["echo"])
    quoted = urllib.parse.quote(run, safe="/")

    def browse(document):
        paths = {entry.get("path") for entry in document} if isinstance(document, list) else {}
        return [] if f"{run}/stdout" in paths else [f"paths {paths}"]

    def read(document):
        return [] if document.get("offset") == 0 and "hi\n" in document.get("data", "") \
            else [f"{document}"[:200]]

    def size(document):
        return [] if document.get("offset", 0) >= 3 and document.get("data") == "" \
            else [f"offset=-1 gives {document}"[:200]]

    check_json_path(port, f"/files/browse?path={quoted}", "agent", browse)
    check_json_path(port, f"/files/read?path={quoted}/stdout&offset=0", "agent", read)
    check_json_path(port, f"/files/read?path={quoted}/stdout&offset=-1", "agent", size)
    check_jsonp(port, f"/files/read?path={quoted}/stdout&offset=0", "agent")
    response = get(port, f"/files/download?path={quoted}/stdout")
    CHECKS.check("agent GET /files/download of the task's stdout: 200 with 'hi'",
                 response.status == 200 and b"hi\n" in response.body,
                 f"{response.status} {response.body[:200]!r}")
    for bad in (f"{quoted}/../../../../..", "/etc", f"{quoted}/no-such-file"):
        response = get(port, f"/files/read?path={bad}&offset=0")
        CHECKS.check(f"agent GET /files/read?path={bad}: refused (4xx)",
                     400 <= response.status < 500, f"{response.status} {response.body[:200]!r}")
