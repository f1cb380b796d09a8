"""The legacy JSON compared by shape with what a real Mesos 1.12 answered."""

import json
import os
import urllib.parse

from wire import CHECKS, get_json, sandbox_path

# ---------------------------------------------------------------------------------------
# JSON shapes against the recorded answers of Mesos 1.12.

# Objects whose keys are data rather than fields (as in cluster_test.cc's shapeOf).
FREE_FORM = {"flags", "attributes", "reserved_resources", "reserved_resources_full", "labels",
             "reserved_resources_allocated", "offer_constraints", "guarantee", "limit",
             "offered", "reserved"}
# Mesos writes these only when built from git, or with its build's date and user.
BUILD_INFO = {"/git_sha", "/git_branch", "/build_date", "/build_time", "/build_user"}


def json_type(value):
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "null"
    return "array" if isinstance(value, list) else "object"


def shape_of(value, path="", out=None, empty=None):
    """{path: set of JSON types}, list elements unified under "<path>[]"; `empty` collects
    the arrays that were empty (their element shape is unknown)."""
    out = {} if out is None else out
    empty = set() if empty is None else empty
    key = path.rsplit("/", 1)[-1]
    if isinstance(value, dict):
        out.setdefault(path or "/", set()).add("object")
        if key not in FREE_FORM:
            for name, child in value.items():
                shape_of(child, f"{path}/{name}", out, empty)
    elif isinstance(value, list):
        out.setdefault(path or "/", set()).add("array")
        if not value:
            empty.add(path + "[]")
        for item in value:
            shape_of(item, path + "[]", out, empty)
    else:
        out.setdefault(path, set()).add(json_type(value))
    return out, empty


def subtree(shape, prefix):
    """The shape below `prefix`, its paths relative to it."""
    return {path[len(prefix):] or "/": types for path, types in shape.items()
            if path == prefix or path.startswith(prefix + "/") or
            path.startswith(prefix + "[]")}


def shape_differences(reference, ours, ours_empty=frozenset(), absent=frozenset()):
    differences = []
    for path, types in sorted(reference.items()):
        if path in absent:
            continue
        have = ours.get(path)
        if have is None:
            # Inside an array that is empty in our answer: nothing to compare there.
            if any(path.startswith(elements) for elements in ours_empty):
                continue
            differences.append(f"missing {path} ({'/'.join(sorted(types))})")
        elif have - {"null"} != types - {"null"}:
            # null stands beside a value where Mesos writes either (unified list elements).
            differences.append(f"{path} is {'/'.join(sorted(have))}, Mesos writes "
                               f"{'/'.join(sorted(types))}")
    return differences


def load_reference(directory, name):
    with open(os.path.join(directory, name)) as file:
        return shape_of(json.load(file))[0]


def check_shape(name, reference, document, absent=BUILD_INFO, prefix=None):
    if document is None:
        CHECKS.check(f"{name}: JSON shape", False, "no JSON answer")
        return
    ours, empty = shape_of(document)
    if prefix:
        ours = subtree(ours, prefix)
        empty = {path[len(prefix):] for path in empty if path.startswith(prefix)}
    differences = shape_differences(reference, ours, empty, absent)
    CHECKS.check(f"{name}: JSON shape of Mesos 1.12", not differences,
                 "\n    " + "\n    ".join(differences[:40]))


def check_shapes_running(cluster, live, args):
    """Mesos's other names of the endpoints cluster_test.cc compares, and the sandbox of a
    finished task, while the protobuf framework runs."""
    ref = lambda name: load_reference(args.mesos_json, name)  # noqa: E731
    port = cluster.master_port
    for path, name in (("/state", "state"), ("/master/state.json", "state"),
                       ("/state-summary", "state-summary"), ("/frameworks", "frameworks"),
                       ("/master/slaves.json", "slaves"), ("/tasks", "tasks"),
                       ("/roles", "roles")):
        check_shape(f"master GET {path}", ref(f"master__master_{name}.json"),
                    get_json(port, path))
    check_shape("agent GET /state", ref("agent__slave_1__state.json"),
                get_json(cluster.agent_port, "/state"))
    run = urllib.parse.quote(sandbox_path(live.framework_id, live.tasks["echo"]), safe="/")
    check_shape("agent GET /files/browse of a finished task's sandbox",
                ref("agent__files_browse.json"),
                get_json(cluster.agent_port, f"/files/browse?path={run}"), absent=set())


def check_shapes_completed(cluster, args):
    """Once every framework is torn down: the completed frameworks, tasks and executors
    against the elements Mesos writes for frameworks, active and completed alike."""
    def ref_union(name, *prefixes):
        shape = load_reference(args.mesos_json, name)
        union = {}
        for prefix in prefixes:
            for path, types in subtree(shape, prefix).items():
                union.setdefault(path, set()).update(types)
        return union

    master = get_json(cluster.master_port, "/master/state")
    frameworks = ref_union("master__master_state.json", "/frameworks[]",
                           "/completed_frameworks[]")
    check_shape("master GET /master/state (all torn down) completed_frameworks[]",
                frameworks, master, absent=set(), prefix="/completed_frameworks[]")
    tasks = ref_union("master__master_state.json", "/frameworks[]/tasks[]",
                      "/completed_frameworks[]/completed_tasks[]")
    check_shape("master GET /master/state (all torn down) completed_tasks[]", tasks, master,
                absent=set(), prefix="/completed_frameworks[]/completed_tasks[]")
    check_shape("master GET /master/frameworks (all torn down) completed_frameworks[]",
                ref_union("master__master_frameworks.json", "/frameworks[]",
                          "/completed_frameworks[]"),
                get_json(cluster.master_port, "/master/frameworks"), absent=set(),
                prefix="/completed_frameworks[]")
    check_shape("master GET /master/tasks (all torn down) tasks[]",
                ref_union("master__master_tasks.json", "/tasks[]"),
                get_json(cluster.master_port, "/master/tasks"), absent=set(), prefix="/tasks[]")
    agent = get_json(cluster.agent_port, "/slave(1)/state")
    check_shape("agent GET /slave(1)/state (all torn down) completed_frameworks[]",
                ref_union("agent__slave_1__state.json", "/frameworks[]",
                          "/completed_frameworks[]"),
                agent, absent={"/executors[]"}, prefix="/completed_frameworks[]")
    check_shape("agent GET /slave(1)/state (all torn down) completed_executors[]",
                ref_union("agent__slave_1__state.json", "/frameworks[]/executors[]",
                          "/completed_frameworks[]/completed_executors[]"),
                agent, absent=set(),
                prefix="/completed_frameworks[]/completed_executors[]")
