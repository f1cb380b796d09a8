// The master's proxy to its agents (/agent/<id>/...), for the browser test while the
// master does not serve it: `proxyToAgent` forwards the page's requests to the real
// agent's own endpoints; `scriptedAgent` answers for the scripted agent (no HTTP of its
// own) with a sandbox holding stdout and stderr and a container with isolation details.
// Installed only when the master answers /agent/<id>/flags 404.

export const scriptedStdout = "hello from the scripted sandbox\nsecond line\n";
// Written to stdout 2 s after the page first reads it: the tail must follow.
export const scriptedLater = "a line written later";

export async function masterProxies(url, agentId) {
  const answer = await fetch(`${url}/agent/${encodeURIComponent(agentId)}/flags`);
  return answer.status !== 404;
}

export async function proxyToAgent(page, url, agentUrl) {
  await page.route(`${url}/agent/*/**`, async (route) => {
    const target = new URL(route.request().url());
    const rest = target.pathname.split("/").slice(3).join("/");
    const response = await route.fetch({ url: `${agentUrl}/${rest}${target.search}` });
    await route.fulfill({ response });
  });
}

function json(route, body, status = 200) {
  return route.fulfill({ status, contentType: "application/json", body: JSON.stringify(body) });
}

export async function scriptedAgent(page, url, { agentId, frameworkId, taskId }) {
  const directory = `/var/lib/mesos/slaves/${agentId}/frameworks/${frameworkId}/executors/${taskId}/runs/c0ffee`;
  const files = { [`${directory}/stdout`]: scriptedStdout, [`${directory}/stderr`]: "" };
  const started = Date.now() / 1000;
  let grows;
  await page.route(`${url}/agent/*/**`, (route) => {
    const target = new URL(route.request().url());
    const endpoint = target.pathname.split("/").slice(3).join("/");
    const path = target.searchParams.get("path");
    switch (endpoint) {
      case "state":
        return json(route, {
          id: agentId,
          frameworks: [{ id: frameworkId, executors: [{ id: taskId, container: "c0ffee", directory, tasks: [{ id: taskId }] }] }],
          completed_frameworks: [],
        });
      case "flags":
        return json(route, { flags: { work_dir: "/var/lib/mesos", isolation: "cgroups/cpu,cgroups/mem" } });
      case "files/browse":
        if (path !== directory) return json(route, "not found", 404);
        return json(route, Object.entries(files).map(([file, data]) => ({
          path: file, size: data.length, mode: "-rw-r--r--", mtime: started, nlink: 1, uid: "root", gid: "root",
        })));
      case "files/read": {
        const data = files[path];
        if (data === undefined) return json(route, "not found", 404);
        if (path.endsWith("/stdout"))
          grows ??= setTimeout(() => (files[path] += `${scriptedLater}\n`), 2000);
        const offset = Number(target.searchParams.get("offset"));
        if (offset < 0) return json(route, { data: "", offset: data.length });
        const length = Number(target.searchParams.get("length") ?? data.length);
        return json(route, { data: data.slice(offset, offset + length), offset });
      }
      case "files/download":
        return route.fulfill({ status: 200, contentType: "application/octet-stream", body: files[path] ?? "" });
      case "containers":
      case "monitor/statistics": {
        const seconds = (Date.now() / 1000 - started);
        return json(route, [{
          container_id: { value: "c0ffee" }, executor_id: taskId, framework_id: frameworkId, source: taskId,
          statistics: {
            timestamp: Date.now() / 1000, cpus_user_time_secs: seconds * 0.2, cpus_system_time_secs: seconds * 0.05,
            cpus_limit: 1, mem_rss_bytes: 24 << 20, mem_limit_bytes: 128 << 20,
          },
          isolation: {
            seccomp: { mode: "filter", profile: "default" }, no_new_privs: true,
            capabilities: [], namespaces: ["pid", "ipc", "uts", "mnt"],
            cgroups: { memory: "/mesos/c0ffee", cpu: "/mesos/c0ffee" },
            limits: { "memory.max": String(128 << 20), "cpu.max": "100000 100000", "pids.max": "4096" },
            oom: 0, oom_kill: 0, throttling: { nr_throttled: 3, throttled_usec: 1200 },
          },
        }]);
      }
      default:
        return json(route, `no ${endpoint}`, 404);
    }
  });
}
