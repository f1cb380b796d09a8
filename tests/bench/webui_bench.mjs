// The web UI's rendering speed in Debian's headless Chromium (Playwright): the bundle in
// webui/dist is served by request interception along with a scripted /master/state of
// 1 000 agents and 10 000 tasks (webui_cluster.mjs). Measures, in the page's own clock
// (performance.now(), from the navigation's start), the time until the overview has
// rendered (its agents table and task counts) and until the Tasks view has (its first
// rows), each opened fresh, and the switch from the overview to the Tasks view; the
// median of several runs.
//   node webui_bench.mjs --modules=DIR --chromium=PATH --dist=DIR [--runs=7]
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { scriptedCluster } from "./webui_cluster.mjs";

const args = Object.fromEntries(
  process.argv.slice(2).map((arg) => {
    const [key, ...value] = arg.replace(/^--/, "").split("=");
    return [key, value.join("=")];
  }),
);
const { chromium } = createRequire(path.join(args.modules, "x.js"))("playwright-core");
const runs = Number(args.runs ?? 7);
const agents = Number(args.agents ?? 1000);
const tasks = Number(args.tasks ?? 10000);
const origin = "http://mesolite.bench";

const cluster = scriptedCluster({ agents, tasks });
const stateBody = JSON.stringify(cluster.state);
const metricsBody = JSON.stringify(cluster.metrics);
const types = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css" };

// Records in the page when a selector first matches (checked on every DOM mutation).
const watch = () => {
  window.__marks = {};
  const wanted = {
    overview: () =>
      document.querySelector("#agents-table tr[data-agent-id]") &&
      document.querySelector('[data-testid="tasks-running"]'),
    tasks: () => document.querySelector("#tasks-table [data-task-id]"),
  };
  new MutationObserver(() => {
    for (const [name, ready] of Object.entries(wanted)) {
      if (!(name in window.__marks) && ready()) window.__marks[name] = performance.now();
    }
  }).observe(document, { childList: true, subtree: true });
};

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function measure(browser, hash, mark, then) {
  const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  await page.addInitScript(watch);
  await page.route(`${origin}/**`, (route) => {
    const url = new URL(route.request().url());
    if (url.pathname === "/master/state")
      return route.fulfill({ status: 200, contentType: "application/json", body: stateBody });
    if (url.pathname === "/metrics/snapshot")
      return route.fulfill({ status: 200, contentType: "application/json", body: metricsBody });
    const file = url.pathname === "/" ? "index.html" : url.pathname.slice(1);
    try {
      const body = readFileSync(path.join(args.dist, path.normalize(file)));
      return route.fulfill({ status: 200, contentType: types[path.extname(file)] ?? "application/octet-stream", body });
    } catch {
      return route.fulfill({ status: 404, body: "not found" });
    }
  });
  await page.goto(`${origin}/${hash}`);
  await page.waitForFunction((name) => name in window.__marks, mark, { timeout: 30_000 });
  const result = {
    [mark]: await page.evaluate((name) => window.__marks[name], mark),
    // When the state's last byte arrived (the rest is parsing and rendering).
    state: await page.evaluate(() =>
      performance.getEntriesByType("resource").find((entry) => entry.name.endsWith("/master/state"))?.responseEnd),
  };
  if (then) {
    const start = await page.evaluate(() => {
      const t = performance.now();
      location.hash = "#/tasks";
      return t;
    });
    await page.waitForFunction(() => "tasks" in window.__marks, null, { timeout: 30_000 });
    result.switch = (await page.evaluate(() => window.__marks.tasks)) - start;
  }
  await page.close();
  return result;
}

const browser = await chromium.launch({
  executablePath: args.chromium,
  headless: true,
  args: ["--no-sandbox", "--disable-dev-shm-usage"],
});
try {
  const overview = [];
  const tasksView = [];
  const switches = [];
  const arrived = [];
  await measure(browser, "#/", "overview", true); // warm-up: disk cache, JIT
  for (let run = 0; run < runs; run++) {
    const first = await measure(browser, "#/", "overview", true);
    overview.push(first.overview);
    if (first.state !== undefined) arrived.push(first.state);
    switches.push(first.switch);
    tasksView.push((await measure(browser, "#/tasks", "tasks")).tasks);
  }
  const show = (values) => `median ${median(values).toFixed(0)} ms (${values.map((v) => v.toFixed(0)).join(", ")})`;
  console.log(`webui bench: ${agents} agents, ${tasks} tasks, /master/state ${(stateBody.length / 1e6).toFixed(1)} MB, ${runs} runs`);
  console.log(`  overview rendered, from navigation:   ${show(overview)}`);
  console.log(`  tasks view rendered, from navigation: ${show(tasksView)}`);
  console.log(`  overview -> tasks view switch:        ${show(switches)}`);
  if (arrived.length) console.log(`  (of which /master/state received by:  ${show(arrived)})`);
  const worst = Math.max(median(overview), median(tasksView));
  console.log(worst < 1000 ? "  within the 1 s budget" : "  OVER the 1 s budget");
  process.exitCode = worst < 1000 ? 0 : 1;
} finally {
  await browser.close();
}
