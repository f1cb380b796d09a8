// The web UI in Debian's headless Chromium, driven by Playwright: a real mesos-master
// serving webui/dist, a real mesos-agent, a task run by mesos-execute (as root); or, given
// --url, a cluster the caller runs (webui_scripted_test.cc: a scripted agent and
// scheduler), told on stdout when the task was seen RUNNING. Checks the
// overview (the agent and its resources), the task RUNNING then FINISHED in the Tasks
// table without a reload, the error banner when a request fails, the served files'
// headers and path safety, and that a bad --webui_dir stops the master naming it.
// Screenshots go to --artifacts. Run by webui_test.sh, which skips when a tool is missing.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, rmdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { masterProxies, proxyToAgent, scriptedAgent, scriptedLater, scriptedStdout } from "./webui_agent_stub.mjs";
import { viewChecks } from "./webui_views.mjs";

const args = Object.fromEntries(
  process.argv.slice(2).map((arg) => {
    const [key, ...value] = arg.replace(/^--/, "").split("=");
    return [key, value.join("=")];
  }),
);
const { chromium } = createRequire(path.join(args.modules, "x.js"))("playwright-core");

const work = mkdtempSync(path.join(tmpdir(), "mesolite-webui-"));
const cgroupsRoot = `mesolite-webui-${process.pid}`;
const children = [];
let failures = 0;
let checks = 0;

function log(message) {
  console.log(`[${new Date().toISOString().slice(11, 23)}] ${message}`);
}
function check(ok, what, detail = "") {
  checks += 1;
  if (ok) log(`ok: ${what}`);
  else {
    failures += 1;
    log(`FAILED: ${what}${detail ? `: ${detail}` : ""}`);
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

// A daemon with its output kept in memory (and shown on failure).
function start(name, argv) {
  const child = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
  child.output = "";
  child.stdout.on("data", (data) => (child.output += data));
  child.stderr.on("data", (data) => (child.output += data));
  child.exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  child.label = name;
  children.push(child);
  return child;
}

async function waitFor(what, predicate, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await predicate();
      if (value) return value;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// One request written by hand: fetch() would normalise "..".
function rawGet(port, target) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () =>
      socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`),
    );
    let answer = "";
    socket.on("data", (data) => (answer += data));
    socket.on("end", () => resolve(answer));
    socket.on("error", reject);
  });
}

function removeCgroups() {
  // The agent's cgroup root, on cgroup v2 and under each v1 controller; best effort.
  const removeTree = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) removeTree(path.join(dir, entry.name));
    }
    rmdirSync(dir);
  };
  const candidates = [path.join("/sys/fs/cgroup", cgroupsRoot)];
  try {
    for (const controller of readdirSync("/sys/fs/cgroup"))
      candidates.push(path.join("/sys/fs/cgroup", controller, cgroupsRoot));
  } catch {}
  for (const dir of candidates) {
    try {
      if (statSync(dir).isDirectory()) removeTree(dir);
    } catch {}
  }
}

async function badWebuiDirStopsTheMaster() {
  const port = await freePort();
  const missing = path.join(work, "no-such-webui");
  const master = start("master with a missing --webui_dir", [
    args.master, "--ip=127.0.0.1", `--port=${port}`, "--registry=in_memory",
    `--webui_dir=${missing}`,
  ]);
  const exit = await Promise.race([
    master.exited,
    new Promise((resolve) => setTimeout(() => resolve(undefined), 10_000)),
  ]);
  check(exit && exit.code !== 0 && master.output.includes(missing),
    "a missing --webui_dir given explicitly stops the master, naming it", master.output.trim());
}

// What the master serves: types, caching, path safety.
async function checkServing(url, port) {
  const index = await fetch(`${url}/`);
  const html = await index.text();
  check(index.status === 200 && index.headers.get("content-type")?.startsWith("text/html"),
    "/ is index.html, text/html", `${index.status} ${index.headers.get("content-type")}`);
  check(index.headers.get("cache-control") === "no-cache", "index.html is revalidated",
    index.headers.get("cache-control"));
  const script = html.match(/src="\.\/(assets\/[^"]+\.js)"/)?.[1];
  const asset = await fetch(`${url}/${script}`);
  check(asset.status === 200 && asset.headers.get("content-type")?.startsWith("text/javascript") &&
      asset.headers.get("cache-control")?.includes("immutable"),
    `/${script} is JavaScript, cached for good`,
    `${asset.status} ${asset.headers.get("content-type")} ${asset.headers.get("cache-control")}`);
  for (const target of ["/assets/../../../../etc/passwd", "/..%2f..%2fetc%2fpasswd", "/%2e%2e/etc/passwd"]) {
    const answer = await rawGet(port, target);
    check(/^HTTP\/1\.1 404/.test(answer) && !answer.includes("root:"), `GET ${target} is 404`,
      answer.split("\r\n")[0]);
  }
}

// The real cluster (root): a master, an agent, and mesos-execute for the task.
async function realCluster() {
  await badWebuiDirStopsTheMaster();
  const masterPort = await freePort();
  const agentPort = await freePort();
  const url = `http://127.0.0.1:${masterPort}`;
  start("mesos-master", [
    args.master, "--ip=127.0.0.1", `--port=${masterPort}`, "--registry=in_memory",
    "--allocation_interval=100ms", `--webui_dir=${args.webui}`, "--cluster=mesolite-webui",
  ]);
  await waitFor("the master's /health", async () => (await fetch(`${url}/health`)).ok, 15_000);
  start("mesos-agent", [
    args.agent, `--master=127.0.0.1:${masterPort}`, "--ip=127.0.0.1", `--port=${agentPort}`,
    "--hostname=127.0.0.1", `--work_dir=${work}/agent`, `--runtime_dir=${work}/run`,
    `--launcher_dir=${args["launcher-dir"]}`, `--cgroups_root=${cgroupsRoot}`,
    "--resources=cpus:4;mem:2048;disk:1024;ports:[31000-31100]",
  ]);
  await waitFor("the agent registered", async () => {
    const state = await (await fetch(`${url}/master/state`)).json();
    return state.slaves?.length === 1;
  }, 20_000);
  let execute;
  return {
    url,
    port: masterPort,
    agent: { host: "127.0.0.1", mem: "2.0 GB", cpus: "4", url: `http://127.0.0.1:${agentPort}` },
    stdout: "mesolite-webui-stdout",
    later: "mesolite-webui-later",
    launchTask: () => {
      execute = start("mesos-execute", [
        args.execute, `--master=127.0.0.1:${masterPort}`, "--name=webui-test",
        "--command=echo mesolite-webui-stdout; sleep 3; echo mesolite-webui-later; sleep 12",
        "--resources=cpus:0.5;mem:64",
      ]);
    },
    sawRunning: () => {},
    done: async () => {
      const executed = await execute.exited;
      check(executed.code === 0, "mesos-execute exits 0 (TASK_FINISHED)", execute.output.slice(-500));
    },
  };
}

// The caller's cluster (--url): its scripted agent has cpus 2 and mem 1024 and runs the
// task webui-test, launched before this starts, RUNNING until told (on stdout) that the
// page shows it, then FINISHED.
function scriptedCluster() {
  const url = args.url;
  return {
    url,
    port: Number(new URL(url).port),
    agent: { host: "fake-agent", mem: "1.0 GB", cpus: "2" },
    stdout: scriptedStdout,
    later: scriptedLater,
    launchTask: () => {},
    sawRunning: () => console.log("webui-test: saw RUNNING"),
    done: async () => {},
  };
}

// The framework and agent of a task, from the master's state.
async function taskIds(url, taskId) {
  const state = await (await fetch(`${url}/master/state`)).json();
  for (const framework of [...state.frameworks, ...state.completed_frameworks]) {
    for (const task of [...(framework.tasks ?? []), ...(framework.completed_tasks ?? [])]) {
      if (task.id === taskId) return task;
    }
  }
  throw new Error(`no task ${taskId} in /master/state`);
}

async function main() {
  if (args.url && args.master) await badWebuiDirStopsTheMaster();
  const cluster = args.url ? scriptedCluster() : await realCluster();
  const { url } = cluster;
  await checkServing(url, cluster.port);

  const browser = await chromium.launch({
    executablePath: args.chromium,
    headless: true,
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
  });
  try {
    // A laptop's screen.
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    const pageErrors = [];
    page.on("pageerror", (error) => pageErrors.push(error.message));
    const offsite = [];
    page.on("request", (request) => {
      if (!request.url().startsWith(url)) offsite.push(request.url());
    });

    await page.goto(`${url}/`);
    await page.locator("#agents-table tr[data-agent-id]").first().waitFor({ timeout: 10_000 });
    const agentRow = await page.locator("#agents-table tr[data-agent-id]").first().innerText();
    check(agentRow.includes(cluster.agent.host) && agentRow.includes(cluster.agent.mem),
      "the overview shows the agent and its resources", agentRow);
    const cpus = await page.locator('[data-testid="resource-cpus"] td').first().innerText();
    check(cpus === cluster.agent.cpus, "the overview's total CPUs are the agent's", cpus);
    const elected = await page.locator('[data-testid="elected"]').innerText();
    check(elected.startsWith("yes"), "the overview says the master is elected", elected);
    const leader = await page.locator('[data-testid="leader"]').innerText();
    check(leader.includes(`127.0.0.1:${cluster.port}`), "the overview names the leader", leader);
    await page.screenshot({ path: path.join(args.artifacts, "overview.png"), fullPage: true });

    // The Tasks view, then a task: it must show up and change state without a reload.
    await page.click('nav a[href="#/tasks"]');
    await page.locator("#task-filter").waitFor();
    await page.evaluate(() => (window.__notReloaded = true));
    cluster.launchTask();
    const row = page.locator('[data-task-id="webui-test"] [data-testid="state"]');
    await page.locator("#task-filter").fill("webui-test");
    await waitFor("the task RUNNING in the table", async () => (await row.innerText()) === "RUNNING", 30_000);
    check(true, "the task appears RUNNING in the Tasks table");
    await page.screenshot({ path: path.join(args.artifacts, "tasks-running.png") });

    // The task's page: its history, its sandbox (through the master's proxy to the agent,
    // or, while the master has none, the test's own), then FINISHED without a reload.
    const ids = await taskIds(url, "webui-test");
    const agentId = ids.slave_id;
    const views = viewChecks({ page, check, artifacts: args.artifacts, log });
    const proxied = Boolean(cluster.agent.url) && (await masterProxies(url, agentId));
    if (!cluster.agent.url) {
      await scriptedAgent(page, url, { agentId, frameworkId: ids.framework_id, taskId: "webui-test" });
    } else if (!proxied) {
      log("the master has no /agent/<id>/ proxy: the test forwards to the agent itself");
      await proxyToAgent(page, url, cluster.agent.url);
    } else {
      log("through the master's /agent/<id>/ proxy");
    }
    await views.taskRunning({ taskId: "webui-test", stdout: cluster.stdout, later: cluster.later });
    // The agent's /containers (with isolation) comes with the master's proxy.
    if (!cluster.agent.url || proxied) await views.isolation({ namespace: "ipc" });
    cluster.sawRunning();
    await views.taskFinished();
    await page.click('nav a[href="#/tasks"]');
    await waitFor("the task FINISHED in the table", async () => (await row.innerText()) === "FINISHED", 30_000);
    check(await page.evaluate(() => window.__notReloaded === true),
      "the task turns FINISHED in the table without a reload");
    await page.locator("#task-filter").fill("");
    await page.screenshot({ path: path.join(args.artifacts, "tasks-finished.png") });
    await cluster.done();
    await views.all({
      frameworkId: ids.framework_id,
      taskId: "webui-test",
      agent: { id: agentId, host: cluster.agent.host, cpus: cluster.agent.cpus },
      flag: { name: "cluster", value: "mesolite-webui" },
    });
    await views.agentUnreachable({ url, agent: { id: agentId } });

    // A failing request: the banner says which and why; it goes once the master answers.
    await page.route("**/master/state", (route) =>
      route.fulfill({ status: 503, contentType: "text/plain", body: "scripted failure" }));
    const banner = page.locator("#error-banner");
    await banner.waitFor({ timeout: 10_000 });
    const text = await banner.innerText();
    check(text.includes("master/state") && text.includes("503"),
      "a failed request shows the error banner naming the request and status", text);
    await page.screenshot({ path: path.join(args.artifacts, "error-banner.png") });
    await page.unroute("**/master/state");
    await banner.waitFor({ state: "detached", timeout: 15_000 });
    check(true, "the banner goes when the master answers again");

    // Masters that keep naming another as leader: the page moves a few times, then stays
    // and says why, rather than bouncing for ever. Here the state always redirects and the
    // redirect to the leader's root leads back to this master.
    await page.route("**/master/state", (route) =>
      route.fulfill({ status: 307, headers: { Location: `${url}/master/state` }, body: "" }));
    await page.route("**/master/redirect", (route) =>
      route.fulfill({ status: 307, headers: { Location: `${url}/` }, body: "" }));
    const hops = page.locator("#hops-banner");
    await hops.waitFor({ timeout: 40_000 }).catch(() => {});
    const hopsText = (await hops.count()) ? await hops.innerText() : "";
    check(hopsText.includes("5 times"), "masters that keep redirecting stop the page after 5 moves, saying so", hopsText);
    const settled = page.url();
    await page.waitForTimeout(2500);
    check(page.url() === settled && (await hops.count()) === 1, "the page then stays where it is", page.url());
    await page.screenshot({ path: path.join(args.artifacts, "redirect-loop.png") });
    await page.unroute("**/master/state");
    await page.unroute("**/master/redirect");
    await hops.waitFor({ state: "detached", timeout: 15_000 });
    check(true, "the banner goes when the master answers as leader");

    check(offsite.length === 0, "the page fetches nothing from elsewhere (no CDN)", offsite.join(" "));
    check(pageErrors.length === 0, "no JavaScript error in the page", pageErrors.join("; "));
  } finally {
    await browser.close();
  }
}

let exitCode = 0;
try {
  await main();
} catch (error) {
  failures += 1;
  log(`FAILED: ${error.stack ?? error}`);
  for (const child of children) log(`--- ${child.label} output:\n${child.output.slice(-3000)}`);
} finally {
  for (const child of children.reverse()) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await Promise.race([child.exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
  }
  removeCgroups();
  rmSync(work, { recursive: true, force: true });
  exitCode = failures === 0 ? 0 : 1;
  log(`webui: ${checks - (failures > checks ? checks : failures)} of ${checks} checks passed; screenshots in ${args.artifacts}`);
}
process.exit(exitCode);
