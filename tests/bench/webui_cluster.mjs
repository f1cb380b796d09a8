// A scripted cluster's /master/state and /metrics/snapshot in Mesos's JSON layout, of any
// size: `agents` agents and `tasks` tasks over `frameworks` frameworks (a tenth of them
// completed). Deterministic, so that runs compare. Used by the web UI's benchmark.
export function scriptedCluster({ agents = 1000, tasks = 10000, frameworks = 20 } = {}) {
  const now = Date.now() / 1000;
  const master = "11111111-2222-3333-4444-555555555555";
  const slaves = [];
  for (let i = 0; i < agents; i++) {
    slaves.push({
      id: `${master}-S${i}`,
      hostname: `node-${String(i).padStart(4, "0")}.example`,
      port: 5051,
      pid: `slave(1)@10.0.${i >> 8}.${i & 255}:5051`,
      registered_time: now - 3600 + i,
      active: true,
      version: "1.12.0",
      attributes: { rack: `r${i % 40}`, zone: `z${i % 3}` },
      resources: { cpus: 32, mem: 131072, disk: 1048576, gpus: 0, ports: "[31000-32000]" },
      used_resources: { cpus: 0, mem: 0, disk: 0, gpus: 0 },
      offered_resources: { cpus: 0, mem: 0, disk: 0, gpus: 0 },
    });
  }
  const fws = [];
  for (let f = 0; f < frameworks; f++) {
    fws.push({
      id: `${master}-${String(f).padStart(4, "0")}`,
      name: `framework-${f}`,
      active: true,
      role: "*",
      roles: ["*"],
      user: "root",
      capabilities: ["MULTI_ROLE"],
      registered_time: now - 3000,
      tasks: [],
      unreachable_tasks: [],
      completed_tasks: [],
      offers: [],
      used_resources: { cpus: 0, mem: 0 },
    });
  }
  const states = { running: 0, finished: 0 };
  for (let t = 0; t < tasks; t++) {
    const framework = fws[t % frameworks];
    const agent = slaves[t % agents];
    const completed = t % 10 === 9;
    const state = completed ? "TASK_FINISHED" : "TASK_RUNNING";
    const statuses = [
      { state: "TASK_STARTING", timestamp: now - 600 + t / 100 },
      { state: "TASK_RUNNING", timestamp: now - 599 + t / 100 },
    ];
    if (completed) statuses.push({ state, timestamp: now - 10, message: "Command exited with status 0" });
    const task = {
      id: `task-${t}`,
      name: `service-${t % 97}`,
      framework_id: framework.id,
      executor_id: "",
      slave_id: agent.id,
      state,
      resources: { cpus: 0.5, mem: 256, disk: 0, gpus: 0 },
      role: "*",
      statuses,
    };
    if (completed) {
      framework.completed_tasks.push(task);
      states.finished++;
    } else {
      framework.tasks.push(task);
      agent.used_resources.cpus += 0.5;
      agent.used_resources.mem += 256;
      states.running++;
    }
  }
  const state = {
    version: "1.12.0",
    id: master,
    pid: "master@127.0.0.1:5050",
    hostname: "127.0.0.1",
    leader: "master@127.0.0.1:5050",
    start_time: now - 7200,
    elected_time: now - 7100,
    activated_slaves: agents,
    deactivated_slaves: 0,
    unreachable_slaves: 0,
    slaves,
    frameworks: fws,
    completed_frameworks: [],
  };
  const metrics = {
    "master/elected": 1,
    "master/tasks_running": states.running,
    "master/tasks_finished": states.finished,
    "master/slaves_active": agents,
  };
  return { state, metrics };
}
