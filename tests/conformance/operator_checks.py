"""The master's and the agent's operator APIs, in both content types."""

import base64
import json

from wire import CHECKS, JSON, PROTOBUF, log, post_call, request, sandbox_path

# ---------------------------------------------------------------------------------------
# Operator APIs (master and agent), every call in both content types at both paths.


def metric(metrics, name):
    for item in metrics:
        if item.get("name") == name:
            return item.get("value", 0)
    return None


def ids(items, *keys):
    """The values found at `keys` (e.g. "task_id", "value") of each item."""
    found = set()
    for item in items:
        value = item
        for key in keys:
            value = value.get(key, {}) if isinstance(value, dict) else {}
        if value:
            found.add(value)
    return found


def operator_calls(port, paths, api, calls):
    """calls: [(call dict, check(response dict) -> list of problems)]."""
    for content_type in (JSON, PROTOBUF):
        for path in paths:
            for call, check in calls:
                where = f"POST {path} {call['type']} ({content_type})"
                response, decoded = post_call(port, path, api, call, content_type)
                if not CHECKS.equal(f"{where}: status", response.status, 200):
                    log(f"  body: {response.body[:300]!r}")
                    continue
                CHECKS.equal(f"{where}: Content-Type", response.header("Content-Type"),
                             content_type)
                if decoded is None:
                    continue
                CHECKS.equal(f"{where}: Response.type", decoded.get("type"), call["type"])
                try:
                    problems = check(decoded)
                except Exception as error:  # noqa: BLE001 - a missing field is a finding
                    problems = [f"{type(error).__name__}: {error}"]
                CHECKS.check(f"{where}: content", not problems,
                             "; ".join(problems) + f"; response {json.dumps(decoded)[:400]}")


def file_calls(framework_id, task_id):
    run = sandbox_path(framework_id, task_id)

    def listed(response):
        paths = {info.get("path") for info in response["list_files"].get("file_infos", [])}
        return [] if f"{run}/stdout" in paths else [f"no {run}/stdout in {paths}"]

    def read(response):
        data = base64.b64decode(response["read_file"].get("data", ""))
        size = int(response["read_file"].get("size", 0))
        problems = [] if b"hi\n" in data else [f"stdout is {data[:200]!r}, no 'hi'"]
        return problems + ([] if size >= len(data) and size > 0 else [f"size {size}"])

    return [({"type": "LIST_FILES", "list_files": {"path": run}}, listed),
            ({"type": "READ_FILE", "read_file": {"path": f"{run}/stdout", "offset": 0,
                                                 "length": 4096}}, read)]


def master_log_calls():
    def read(response):
        data = base64.b64decode(response["read_file"].get("data", ""))
        return [] if b"master listening on" in data else [f"log is {data[:200]!r}"]

    return [({"type": "READ_FILE", "read_file": {"path": "/master/log", "offset": 0,
                                                 "length": 100000}}, read)]


def check_master_list_files(port):
    """LIST_FILES of /master/log, the one virtual path a master serves (a file): Mesos
    answers 200 with no entries (it lists directories only); Mesolite answers 400 saying
    it is a file. Either passes; anything else (404, 500, no answer) fails."""
    for path in ("/api/v1", "/master/api/v1"):
        for content_type in (JSON, PROTOBUF):
            call = {"type": "LIST_FILES", "list_files": {"path": "/master/log"}}
            response, decoded = post_call(port, path, "master", call, content_type)
            mesos = response.status == 200 and decoded is not None and \
                not decoded.get("list_files", {}).get("file_infos")
            ours = response.status == 400 and b"/master/log" in response.body
            CHECKS.check(f"POST {path} LIST_FILES /master/log ({content_type}): 200 with no "
                         f"entries (Mesos) or 400 naming the file", mesos or ours,
                         f"{response!r}")


def check_master_operator_api(cluster, done, live):
    """done: the torn-down JSON run; live: the protobuf run, with its 'keep' task running."""
    master_port = str(cluster.master_port)

    def health(r):
        return [] if r["get_health"].get("healthy") is True else ["not healthy"]

    def flags(r):
        values = {f["name"]: f.get("value") for f in r["get_flags"]["flags"]}
        return [] if values.get("port") == master_port else [f"port flag {values.get('port')}"]

    def version(r):
        return [] if r["get_version"]["version_info"].get("version") else ["no version"]

    def metrics(r):
        items = r["get_metrics"]["metrics"]
        problems = []
        if (metric(items, "master/tasks_finished") or 0) < 2:
            problems.append(f"master/tasks_finished {metric(items, 'master/tasks_finished')}")
        if metric(items, "master/frameworks_active") != 1:
            problems.append(f"master/frameworks_active "
                            f"{metric(items, 'master/frameworks_active')}")
        return problems

    def tasks_problems(tasks):
        problems = []
        running = {t["task_id"]["value"]: t.get("state") for t in tasks.get("tasks", [])}
        if running.get(live.tasks["keep"]) != "TASK_RUNNING":
            problems.append(f"tasks {running}")
        completed = {t["task_id"]["value"]: t.get("state")
                     for t in tasks.get("completed_tasks", [])}
        for run, name, state in ((live, "echo", "TASK_FINISHED"), (live, "sleep", "TASK_KILLED"),
                                 (done, "echo", "TASK_FINISHED")):
            if completed.get(run.tasks[name]) != state:
                problems.append(f"completed_tasks[{run.tasks[name]}] is "
                                f"{completed.get(run.tasks[name])}, want {state}")
        return problems

    def frameworks_problems(frameworks):
        active = ids(frameworks.get("frameworks", []), "framework_info", "id", "value")
        completed = ids(frameworks.get("completed_frameworks", []), "framework_info", "id",
                        "value")
        problems = []
        if active != {live.framework_id}:
            problems.append(f"frameworks {active}, want {{{live.framework_id}}}")
        if done.framework_id not in completed:
            problems.append(f"completed_frameworks {completed} lacks {done.framework_id}")
        return problems

    def agents_problems(agents):
        agents = agents.get("agents", [])
        if len(agents) != 1:
            return [f"{len(agents)} agents"]
        info = agents[0].get("agent_info", {})
        problems = [] if info.get("hostname") == "127.0.0.1" else [f"agent_info {info}"]
        names = {r.get("name") for r in agents[0].get("total_resources", [])}
        return problems + ([] if "cpus" in names else [f"total_resources {names}"])

    def state(r):
        state = r["get_state"]
        return (tasks_problems(state.get("get_tasks", {})) +
                frameworks_problems(state.get("get_frameworks", {})) +
                agents_problems(state.get("get_agents", {})))

    def roles(r):
        names = {role.get("name") for role in r["get_roles"].get("roles", [])}
        return [] if "conformance-protobuf" in names else [f"roles {names}"]

    calls = [({"type": "GET_HEALTH"}, health), ({"type": "GET_FLAGS"}, flags),
             ({"type": "GET_VERSION"}, version), ({"type": "GET_METRICS", "get_metrics": {}},
                                                  metrics),
             ({"type": "GET_STATE"}, state),
             ({"type": "GET_AGENTS"}, lambda r: agents_problems(r["get_agents"])),
             ({"type": "GET_FRAMEWORKS"}, lambda r: frameworks_problems(r["get_frameworks"])),
             ({"type": "GET_TASKS"}, lambda r: tasks_problems(r["get_tasks"])),
             ({"type": "GET_ROLES"}, roles)]
    calls += master_log_calls()
    operator_calls(cluster.master_port, ["/api/v1", "/master/api/v1"], "master", calls)
    check_master_list_files(cluster.master_port)
    # As Mesos's master, ours does not serve agents' sandboxes: 404 names the path.
    run = sandbox_path(live.framework_id, live.tasks["echo"])
    for path in ("/api/v1", "/master/api/v1"):
        for content_type in (JSON, PROTOBUF):
            for call in ({"type": "LIST_FILES", "list_files": {"path": run}},
                         {"type": "READ_FILE", "read_file": {"path": run + "/stdout",
                                                             "offset": 0}}):
                response, _ = post_call(cluster.master_port, path, "master", call,
                                        content_type)
                CHECKS.equal(f"POST {path} {call['type']} of an agent's sandbox "
                             f"({content_type}): status (Mesos: 404)", response.status, 404)


def check_agent_operator_api(cluster, live):
    agent_port = str(cluster.agent_port)
    keep = live.tasks["keep"]

    def health(r):
        return [] if r["get_health"].get("healthy") is True else ["not healthy"]

    def flags(r):
        values = {f["name"]: f.get("value") for f in r["get_flags"]["flags"]}
        return [] if values.get("port") == agent_port else [f"port flag {values.get('port')}"]

    def version(r):
        return [] if r["get_version"]["version_info"].get("version") else ["no version"]

    def metrics(r):
        items = r["get_metrics"]["metrics"]
        problems = []
        if metric(items, "slave/tasks_running") != 1:
            problems.append(f"slave/tasks_running {metric(items, 'slave/tasks_running')}")
        if (metric(items, "slave/tasks_finished") or 0) < 2:
            problems.append(f"slave/tasks_finished {metric(items, 'slave/tasks_finished')}")
        return problems

    def containers(r):
        found = ids(r["get_containers"].get("containers", []), "executor_id", "value")
        return [] if keep in found else [f"containers of executors {found}, want {keep}"]

    def frameworks_problems(frameworks):
        found = ids(frameworks.get("frameworks", []), "framework_info", "id", "value")
        return [] if live.framework_id in found else [f"frameworks {found}"]

    def executors_problems(executors):
        found = ids(executors.get("executors", []), "executor_info", "executor_id", "value")
        return [] if keep in found else [f"executors {found}, want {keep}"]

    def tasks_problems(tasks):
        launched = {t["task_id"]["value"]: t.get("state") for t in tasks.get("launched_tasks", [])}
        completed = {t["task_id"]["value"]: t.get("state")
                     for t in tasks.get("completed_tasks", [])}
        problems = [] if launched.get(keep) == "TASK_RUNNING" else [f"launched {launched}"]
        if completed.get(live.tasks["echo"]) != "TASK_FINISHED":
            problems.append(f"completed_tasks {completed}")
        return problems

    def state(r):
        state = r["get_state"]
        return (tasks_problems(state.get("get_tasks", {})) +
                frameworks_problems(state.get("get_frameworks", {})) +
                executors_problems(state.get("get_executors", {})))

    calls = [({"type": "GET_HEALTH"}, health), ({"type": "GET_FLAGS"}, flags),
             ({"type": "GET_VERSION"}, version),
             ({"type": "GET_METRICS", "get_metrics": {}}, metrics),
             ({"type": "GET_STATE"}, state), ({"type": "GET_CONTAINERS"}, containers),
             ({"type": "GET_FRAMEWORKS"}, lambda r: frameworks_problems(r["get_frameworks"])),
             ({"type": "GET_EXECUTORS"}, lambda r: executors_problems(r["get_executors"])),
             ({"type": "GET_TASKS"}, lambda r: tasks_problems(r["get_tasks"]))]
    calls += file_calls(live.framework_id, live.tasks["echo"])
    operator_calls(cluster.agent_port, ["/api/v1", "/slave(1)/api/v1"], "agent", calls)
    # A malformed call is 400 on both paths, in both content types.
    for path in ("/api/v1", "/slave(1)/api/v1"):
        for content_type, body in ((JSON, b'{"type": '), (PROTOBUF, b"\xff\x07")):
            response = request(cluster.agent_port, "POST", path, body,
                               {"Content-Type": content_type, "Accept": content_type})
            CHECKS.equal(f"agent POST {path} with a malformed body ({content_type}): status",
                         response.status, 400)
    for path in ("/api/v1", "/master/api/v1"):
        for content_type, body in ((JSON, b'{"type": '), (PROTOBUF, b"\xff\x07")):
            response = request(cluster.master_port, "POST", path, body,
                               {"Content-Type": content_type, "Accept": content_type})
            CHECKS.equal(f"master POST {path} with a malformed body ({content_type}): status",
                         response.status, 400)
