"""The v1 Scheduler API, driven in one content type at one path."""

import json
import time

from wire import CHECKS, EventStream, JSON, get_json, log, post_call, request

# ---------------------------------------------------------------------------------------
# The v1 Scheduler API, in one content type at one path.

TERMINAL = {"TASK_FINISHED", "TASK_FAILED", "TASK_KILLED", "TASK_ERROR", "TASK_LOST",
            "TASK_DROPPED", "TASK_GONE"}


def is_type(kind):
    return lambda event: event.get("type") == kind


class SchedulerRun:
    """One framework's life: subscribe, offers, launch, updates, kill, teardown."""

    def __init__(self, cluster, content_type, path, operator_path):
        self.cluster = cluster
        self.type = content_type
        self.path = path
        self.operator_path = operator_path
        self.tag = "json" if content_type == JSON else "protobuf"
        self.where = f"POST {path} ({content_type})"
        self.framework_id = None
        self.stream = None
        self.stream_id = None
        self.operator = None
        self.tasks = {}  # name -> task id

    def call(self, call, stream_id=True, path=None):
        headers = {"Mesos-Stream-Id": self.stream_id} if stream_id else {}
        call.setdefault("framework_id", {"value": self.framework_id})
        response, _ = post_call(self.cluster.master_port, path or self.path, "scheduler", call,
                                self.type, headers)
        return response

    def expect_call(self, call, status):
        response = self.call(call)
        CHECKS.equal(f"{self.where} {call['type']}: status", response.status, status) or \
            log(f"  body: {response.body[:300]!r}")
        return response

    def update_of(self, task_id, state, timeout=15):
        def matches(event):
            if event.get("type") != "UPDATE":
                return False
            status = event["update"]["status"]
            return status["task_id"]["value"] == task_id and status["state"] == state
        event = self.stream.wait_for(matches, timeout)
        return event["update"]["status"] if event else None

    def next_offer(self, timeout=10, after=None):
        seen_before = len(self.stream.seen) if after is None else after
        deadline = time.monotonic() + timeout
        for event in self.stream.seen[seen_before:]:
            if event.get("type") == "OFFERS" and event["offers"].get("offers"):
                return event["offers"]["offers"][0]
        while True:
            event = self.stream.next(deadline - time.monotonic())
            if event is None:
                return None
            if event.get("type") == "OFFERS" and event["offers"].get("offers"):
                return event["offers"]["offers"][0]

    def run(self):
        # The operator event stream first, so it sees this framework's tasks.
        self.operator = EventStream(self.cluster.master_port, self.operator_path, "master",
                                    {"type": "SUBSCRIBE"}, self.type,
                                    f"operator SUBSCRIBE {self.tag}")
        self.check_operator_subscribed()
        self.subscribe()
        if not self.framework_id:
            return
        self.check_stream_errors()
        offer = self.check_offer_and_decline()
        if offer is None:
            return
        self.launch(offer)
        self.check_updates_and_acknowledge()
        self.check_reconcile()
        self.check_kill()
        self.check_suppress_revive_update_framework()
        self.check_operator_stream_tasks()

    def check_operator_subscribed(self):
        where = f"POST {self.operator_path} SUBSCRIBE ({self.type})"
        if not CHECKS.equal(f"{where}: status", self.operator.status, 200):
            log(f"  body: {self.operator.body[:300]!r}")
            return
        CHECKS.equal(f"{where}: Content-Type", self.operator.header("Content-Type"), self.type)
        event = self.operator.next(10)
        CHECKS.check(f"{where}: first event is SUBSCRIBED", event and event["type"] ==
                     "SUBSCRIBED", f"got {event!r:.300}")
        if event and event["type"] == "SUBSCRIBED":
            state = event["subscribed"].get("get_state", {})
            agents = state.get("get_agents", {}).get("agents", [])
            CHECKS.check(f"{where}: SUBSCRIBED.get_state names the agent", len(agents) == 1,
                         f"agents {agents!r:.300}")
            CHECKS.check(f"{where}: SUBSCRIBED.heartbeat_interval_seconds",
                         event["subscribed"].get("heartbeat_interval_seconds", 0) > 0,
                         f"{event['subscribed'].get('heartbeat_interval_seconds')!r}")

    def subscribe(self):
        info = {"user": "root", "name": f"conformance-{self.tag}", "failover_timeout": 60,
                "roles": [f"conformance-{self.tag}"],
                "capabilities": [{"type": "MULTI_ROLE"}, {"type": "PARTITION_AWARE"}]}
        call = {"type": "SUBSCRIBE", "subscribe": {"framework_info": info}}
        self.stream = EventStream(self.cluster.master_port, self.path, "scheduler", call,
                                  self.type, f"SUBSCRIBE {self.tag}")
        where = f"{self.where} SUBSCRIBE"
        if not CHECKS.equal(f"{where}: status", self.stream.status, 200):
            log(f"  body: {self.stream.body[:300]!r}")
            return
        CHECKS.equal(f"{where}: Content-Type", self.stream.header("Content-Type"), self.type)
        self.stream_id = self.stream.header("Mesos-Stream-Id")
        CHECKS.check(f"{where}: Mesos-Stream-Id header", self.stream_id,
                     f"headers {self.stream.headers!r}")
        event = self.stream.next(10)
        if not CHECKS.check(f"{where}: first event is SUBSCRIBED",
                            event and event["type"] == "SUBSCRIBED", f"got {event!r:.300}"):
            CHECKS.check(f"{where}: stream decodes", not self.stream.error, self.stream.error)
            return
        subscribed = event["subscribed"]
        self.framework_id = subscribed.get("framework_id", {}).get("value")
        CHECKS.check(f"{where}: SUBSCRIBED.framework_id", self.framework_id, f"{subscribed!r}")
        CHECKS.check(f"{where}: SUBSCRIBED.heartbeat_interval_seconds > 0",
                     subscribed.get("heartbeat_interval_seconds", 0) > 0, f"{subscribed!r}")
        # Mesos sends a HEARTBEAT as soon as the framework subscribes, then every interval.
        heartbeat = self.stream.wait_for(is_type("HEARTBEAT"), 3)
        CHECKS.check(f"{where}: a HEARTBEAT event follows SUBSCRIBED", heartbeat,
                     f"events {[e.get('type') for e in self.stream.seen]}")

    def check_stream_errors(self):
        """400 for a call without, or with a wrong, Mesos-Stream-Id, or with a bad body."""
        port = self.cluster.master_port
        for path in ("/api/v1/scheduler", "/master/api/v1/scheduler"):
            where = f"POST {path} ({self.type})"
            call = {"type": "REVIVE", "framework_id": {"value": self.framework_id}}
            response, _ = post_call(port, path, "scheduler", call, self.type)
            CHECKS.equal(f"{where} REVIVE without Mesos-Stream-Id: status", response.status,
                         400)
            response, _ = post_call(port, path, "scheduler", call, self.type,
                                    {"Mesos-Stream-Id": "not-the-stream"})
            CHECKS.equal(f"{where} REVIVE with a wrong Mesos-Stream-Id: status",
                         response.status, 400)
            body = b'{"type": "REVIVE", "framework_id": ' if self.type == JSON else b"\xff\x07"
            response = request(port, "POST", path, body,
                               {"Content-Type": self.type, "Accept": self.type,
                                "Mesos-Stream-Id": self.stream_id})
            CHECKS.equal(f"{where} with a malformed body: status", response.status, 400)

    def check_offer_and_decline(self):
        where = f"{self.where} OFFERS"
        offer = self.next_offer(10, after=0)
        if not CHECKS.check(f"{where}: an offer arrives", offer,
                            f"events {[e.get('type') for e in self.stream.seen]}"):
            return None
        for field in ("id", "framework_id", "agent_id", "hostname", "resources"):
            CHECKS.check(f"{where}: Offer.{field}", field in offer, f"offer {offer!r:.400}")
        CHECKS.equal(f"{where}: Offer.framework_id", offer.get("framework_id", {}).get("value"),
                     self.framework_id)
        names = {resource.get("name") for resource in offer.get("resources", [])}
        CHECKS.check(f"{where}: Offer.resources has cpus, mem, disk, ports",
                     {"cpus", "mem", "disk", "ports"} <= names, f"names {names}")
        role = f"conformance-{self.tag}"
        roles = {r.get("allocation_info", {}).get("role") for r in offer.get("resources", [])}
        CHECKS.equal(f"{where}: resources allocated to the framework's role", roles, {role})
        self.check_offer_url(offer)
        # DECLINE with refuse_seconds 0: the resources come back at once.
        seen = len(self.stream.seen)
        self.expect_call({"type": "DECLINE", "decline": {
            "offer_ids": [offer["id"]], "filters": {"refuse_seconds": 0}}}, 202)
        self.expect_call({"type": "REVIVE", "revive": {}}, 202)
        offer = self.next_offer(10, after=seen)
        CHECKS.check(f"{where}: an offer after DECLINE and REVIVE", offer)
        return offer

    def check_offer_url(self, offer):
        where = f"{self.where} Offer.url"
        url = offer.get("url", {})
        address = url.get("address", {})
        CHECKS.equal(f"{where}.scheme", url.get("scheme"), "http")
        CHECKS.equal(f"{where}.address.ip", address.get("ip"), "127.0.0.1")
        CHECKS.equal(f"{where}.address.hostname", address.get("hostname"), "127.0.0.1")
        CHECKS.equal(f"{where}.address.port", int(address.get("port", 0)),
                     self.cluster.agent_port)
        CHECKS.equal(f"{where}.path", url.get("path"), "/slave(1)")
        if address.get("ip") and address.get("port"):
            base = url.get("path", "")
            for endpoint in ("/health", "/state"):
                response = request(int(address["port"]), "GET", base + endpoint)
                CHECKS.equal(f"GET {base}{endpoint} at Offer.url's address", response.status,
                             200)

    def launch(self, offer):
        def resource(name, value):
            for item in offer["resources"]:
                if item["name"] == name:
                    copy = json.loads(json.dumps(item))
                    copy["scalar"] = {"value": value}
                    return copy
            return {"name": name, "type": "SCALAR", "scalar": {"value": value}}

        def task(name, command):
            task_id = f"{name}-{self.tag}"
            self.tasks[name] = task_id
            return {"name": task_id, "task_id": {"value": task_id},
                    "agent_id": offer["agent_id"], "command": {"value": command},
                    "resources": [resource("cpus", 0.1), resource("mem", 32)]}

        self.expect_call({"type": "ACCEPT", "accept": {
            "offer_ids": [offer["id"]], "filters": {"refuse_seconds": 0},
            "operations": [{"type": "LAUNCH", "launch": {"task_infos": [
                task("echo", "echo hi"), task("sleep", "sleep 1000"),
                task("keep", "sleep 1000")]}}]}}, 202)

    def acknowledge(self, status, name):
        if "uuid" not in status:
            CHECKS.check(f"{self.where} UPDATE {name}: has a uuid to acknowledge", False,
                         f"{status!r:.300}")
            return
        self.expect_call({"type": "ACKNOWLEDGE", "acknowledge": {
            "agent_id": status["agent_id"], "task_id": status["task_id"],
            "uuid": status["uuid"]}}, 202)

    def check_updates_and_acknowledge(self):
        for name, states in (("echo", ("TASK_STARTING", "TASK_RUNNING", "TASK_FINISHED")),
                             ("sleep", ("TASK_STARTING", "TASK_RUNNING")),
                             ("keep", ("TASK_STARTING", "TASK_RUNNING"))):
            task_id = self.tasks[name]
            for state in states:
                status = self.update_of(task_id, state)
                where = f"{self.where} UPDATE {task_id} {state}"
                if not CHECKS.check(f"{where}: arrives", status, "events " + ", ".join(
                        f"{e['type']}:{e.get('update', {}).get('status', {}).get('state', '')}"
                        for e in self.stream.seen)):
                    break
                CHECKS.check(f"{where}: agent_id and source",
                             status.get("agent_id") and
                             status.get("source") == "SOURCE_EXECUTOR",
                             f"{status!r:.300}")
                self.acknowledge(status, f"{task_id} {state}")

    def check_reconcile(self):
        task_id = self.tasks["sleep"]
        seen = len(self.stream.seen)
        self.expect_call({"type": "RECONCILE", "reconcile": {"tasks": [
            {"task_id": {"value": task_id}}]}}, 202)
        where = f"{self.where} RECONCILE {task_id}"

        def reconciled(event):
            status = event.get("update", {}).get("status", {})
            return (event.get("type") == "UPDATE" and
                    status.get("task_id", {}).get("value") == task_id and
                    status.get("reason") == "REASON_RECONCILIATION")
        event = self.stream.wait_for(reconciled, 10)
        if CHECKS.check(f"{where}: UPDATE with REASON_RECONCILIATION", event):
            status = event["update"]["status"]
            CHECKS.equal(f"{where}: state", status.get("state"), "TASK_RUNNING")
            CHECKS.equal(f"{where}: source", status.get("source"), "SOURCE_MASTER")
        # Implicit reconciliation (no tasks named): every task of the framework.
        seen = len(self.stream.seen)
        self.expect_call({"type": "RECONCILE", "reconcile": {}}, 202)
        keep = self.tasks["keep"]
        deadline = time.monotonic() + 10
        found = set()
        while time.monotonic() < deadline and not {task_id, keep} <= found:
            self.stream.next(deadline - time.monotonic())
            found = {e["update"]["status"]["task_id"]["value"] for e in self.stream.seen[seen:]
                     if e.get("type") == "UPDATE" and
                     e["update"]["status"].get("reason") == "REASON_RECONCILIATION"}
        CHECKS.check(f"{self.where} RECONCILE (implicit): updates of the running tasks",
                     {task_id, keep} <= found, f"got {found}")

    def check_kill(self):
        task_id = self.tasks["sleep"]
        self.expect_call({"type": "KILL", "kill": {"task_id": {"value": task_id}}}, 202)
        status = self.update_of(task_id, "TASK_KILLED")
        if CHECKS.check(f"{self.where} KILL {task_id}: UPDATE TASK_KILLED", status):
            self.acknowledge(status, f"{task_id} TASK_KILLED")

    def check_suppress_revive_update_framework(self):
        self.expect_call({"type": "SUPPRESS", "suppress": {}}, 202)
        role = f"conformance-{self.tag}"
        info = {"user": "root", "name": f"conformance-{self.tag}-renamed",
                "id": {"value": self.framework_id}, "failover_timeout": 60,
                "roles": [role],
                "capabilities": [{"type": "MULTI_ROLE"}, {"type": "PARTITION_AWARE"}]}
        self.expect_call({"type": "UPDATE_FRAMEWORK",
                          "update_framework": {"framework_info": info}}, 200)
        frameworks = get_json(self.cluster.master_port, "/master/frameworks") or {}
        names = {f.get("id"): f.get("name") for f in frameworks.get("frameworks", [])}
        CHECKS.equal(f"{self.where} UPDATE_FRAMEWORK: /master/frameworks shows the new name",
                     names.get(self.framework_id), f"conformance-{self.tag}-renamed")

    def check_operator_stream_tasks(self):
        where = f"POST {self.operator_path} SUBSCRIBE ({self.type})"
        added = self.operator.wait_for(
            lambda e: e.get("type") == "FRAMEWORK_ADDED" and
            e["framework_added"]["framework"]["framework_info"]["id"]["value"] ==
            self.framework_id, 5)
        CHECKS.check(f"{where}: FRAMEWORK_ADDED {self.framework_id}", added,
                     f"events {[e.get('type') for e in self.operator.seen]}")
        for name, states in (("echo", ("TASK_FINISHED",)),
                             ("sleep", ("TASK_RUNNING", "TASK_KILLED"))):
            task_id = self.tasks[name]
            added = self.operator.wait_for(
                lambda e: e.get("type") == "TASK_ADDED" and
                e["task_added"]["task"]["task_id"]["value"] == task_id, 5)
            CHECKS.check(f"{where}: TASK_ADDED {task_id}", added,
                         f"events {[e.get('type') for e in self.operator.seen]}")
            # The master may fold the echo task's RUNNING into FINISHED (latest_state), as
            # Mesos does; the sleep task waits in RUNNING until it is killed.
            for state in states:
                updated = self.operator.wait_for(
                    lambda e: e.get("type") == "TASK_UPDATED" and
                    e["task_updated"]["status"]["task_id"]["value"] == task_id and
                    e["task_updated"]["state"] == state, 5)
                CHECKS.check(f"{where}: TASK_UPDATED {task_id} {state}", updated,
                             f"events {[e.get('type') for e in self.operator.seen]}")
                if updated:
                    CHECKS.equal(f"{where}: TASK_UPDATED.framework_id",
                                 updated["task_updated"]["framework_id"]["value"],
                                 self.framework_id)

    def teardown(self):
        if not self.framework_id:
            return
        self.expect_call({"type": "TEARDOWN"}, 202)
        CHECKS.check(f"{self.where} TEARDOWN: the event stream ends", self.stream.ended(10))
        keep = self.tasks.get("keep")
        if keep and self.operator:
            updated = self.operator.wait_for(
                lambda e: e.get("type") == "TASK_UPDATED" and
                e["task_updated"]["status"]["task_id"]["value"] == keep and
                e["task_updated"]["state"] == "TASK_KILLED", 10)
            CHECKS.check(f"POST {self.operator_path} SUBSCRIBE ({self.type}): "
                         f"TEARDOWN kills {keep} (TASK_UPDATED TASK_KILLED)", updated)

    def close(self):
        for stream in (self.stream, self.operator):
            if stream:
                stream.close()
