// The browser test's visits of the web UI's views (webui_test.mjs drives the cluster):
// a task's page (state history, sandbox with its stdout, container), then every main
// view with real content, a screenshot of each in the artifacts directory.
import path from "node:path";

async function waitForText(locator, needle, timeout = 15_000) {
  const deadline = Date.now() + timeout;
  let text = "";
  while (Date.now() < deadline) {
    text = (await locator.innerText().catch(() => "")) ?? "";
    if (text.includes(needle)) return text;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return text;
}

export function viewChecks({ page, check, artifacts, log }) {
  const shot = (name) => page.screenshot({ path: path.join(artifacts, `${name}.png`) });

  // On the task's page while it runs: RUNNING in its history with a time, and its
  // stdout read live from its sandbox.
  async function taskRunning({ taskId, stdout, later }) {
    await page.click(`#tasks-table [data-task-id="${taskId}"] a[href^="#/tasks/"]`);
    const running = page.locator('#task-history tr[data-state="TASK_RUNNING"]');
    await running.waitFor({ timeout: 10_000 });
    const time = await running.locator('[data-testid="status-time"]').innerText();
    check(/\d/.test(time), "the task's page shows TASK_RUNNING in its history, with a time", time);
    const file = await waitForText(page.locator("#file-view"), stdout, 20_000);
    check(file.includes(stdout), "the task's sandbox shows its stdout, read through /files/read", file.slice(0, 200));
    const followed = await waitForText(page.locator("#file-view"), later, 20_000);
    check(followed.includes(later), "the stdout view follows the file (a line written later shows)", followed.slice(-200));
    const listing = await page.locator("#sandbox-files").innerText();
    check(listing.includes("stdout") && listing.includes("stderr"), "the sandbox lists stdout and stderr", listing);
    const download = await page.locator('#sandbox-files tr[data-file="stdout"] a').getAttribute("href");
    check(download?.includes("files/download?path="), "the sandbox offers stdout for download", download);
    await shot("task-running");
    // Another file chosen stays open across the listing's refreshes (every 5 s).
    await page.click('#sandbox-files tr[data-file="stderr"] button');
    await new Promise((resolve) => setTimeout(resolve, 5500));
    const open = await page.locator(".file-tail strong").innerText();
    check(open === "stderr", "a file chosen in the sandbox stays open", open);
  }

  // Still on that page, the task finishes: FINISHED joins the history without a reload.
  async function taskFinished() {
    const finished = page.locator('#task-history tr[data-state="TASK_FINISHED"]');
    await finished.waitFor({ timeout: 30_000 });
    const rows = await page.locator("#task-history tbody tr").evaluateAll((trs) =>
      trs.map((tr) => `${tr.getAttribute("data-state")} ${tr.querySelector('[data-testid="status-time"]')?.textContent}`));
    const order = rows.map((row) => row.split(" ")[0]);
    check(order.indexOf("TASK_RUNNING") >= 0 && order.indexOf("TASK_RUNNING") < order.indexOf("TASK_FINISHED") &&
        rows.every((row) => /\d/.test(row)),
      "the task's history shows TASK_RUNNING then TASK_FINISHED, each with a time", rows.join(" | "));
    check(await page.evaluate(() => window.__notReloaded === true), "the task's page updates without a reload");
    await page.locator("#task-sandbox").scrollIntoViewIfNeeded();
    await shot("task-finished");
  }

  async function isolation({ namespace }) {
    const text = await waitForText(page.locator("#task-container"), namespace, 10_000);
    check(text.includes(namespace), `the task's container shows its isolation (namespace ${namespace})`, text.slice(0, 300));
    await page.locator("#task-chart-cpus svg").waitFor({ timeout: 15_000 }).catch(() => {});
    check(await page.locator("#task-chart-cpus svg").count() === 1 && await page.locator("#task-chart-mem svg").count() === 1,
      "the task's page charts its container's cpu and memory over time");
    await page.locator("#task-container").screenshot({ path: path.join(artifacts, "task-isolation.png") });
  }

  async function visit(hash, ready) {
    await page.evaluate((target) => (location.hash = target), hash);
    await page.locator(ready).first().waitFor({ timeout: 10_000 });
  }

  // Every main view, with something real on each.
  async function all({ frameworkId, taskId, agent, flag }) {
    await visit("#/", "#agents-table tr[data-agent-id]");
    await page.locator("#chart-cpus svg").waitFor({ timeout: 15_000 });
    check(true, "the overview draws the cluster's cpus over time");
    await shot("overview-chart");

    await visit("#/tasks", "#tasks-table");
    await page.selectOption("#filter-state", "TASK_FINISHED");
    await page.selectOption("#filter-framework", frameworkId);
    await page.selectOption("#filter-agent", agent.id);
    const kept = await page.locator(`#tasks-table [data-task-id="${taskId}"]`).count();
    await page.locator("#task-filter").fill("no-such-task");
    const none = await page.locator(`#tasks-table [data-task-id]`).count();
    check(kept === 1 && none === 0, "the Tasks view filters by state, framework, agent and text", `${kept} ${none}`);

    await visit("#/frameworks", "#frameworks-card");
    const frameworks = await page.locator("#frameworks-card, #completed-frameworks-card").allInnerTexts();
    check(frameworks.join(" ").includes(frameworkId), "the frameworks view lists the framework", frameworks.join(" "));
    await shot("frameworks");
    await visit(`#/frameworks/${encodeURIComponent(frameworkId)}`, "#framework-page");
    const listed = await page.locator(`#framework-page [data-task-id="${taskId}"]`).count();
    check(listed === 1, "the framework's page lists its task");
    await shot("framework");

    await visit("#/agents", "#agents-list tr[data-agent-id]");
    const agents = await page.locator("#agents-list").innerText();
    check(agents.includes(agent.host) && agents.includes("active"), "the agents view lists the agent, active", agents);
    await shot("agents");
    await visit(`#/agents/${encodeURIComponent(agent.id)}`, "#agent-page");
    const cpus = await page.locator('#agent-resources [data-testid="agent-total"] [data-resource="cpus"]').innerText();
    check(cpus.includes(agent.cpus), "the agent's page shows its cpus", cpus);
    await page.locator("#agent-chart-cpus svg").waitFor({ timeout: 15_000 }).catch(() => {});
    check(await page.locator("#agent-chart-cpus svg").count() === 1, "the agent's page charts its usage over time");
    await shot("agent");

    await visit("#/flags", "#flags-table");
    await page.locator("#flag-filter").fill(flag.name);
    const value = await waitForText(page.locator(`#flags-table tr[data-key="${flag.name}"]`), flag.value, 5000);
    check(value.includes(flag.value), `the flags view shows --${flag.name}=${flag.value}`, value);
    await shot("flags");
    await page.locator("#flag-filter").fill("work_dir");
    await page.selectOption("#flags-source", agent.id);
    const agentFlag = await waitForText(page.locator("#flags-table"), "work_dir", 10_000);
    check(agentFlag.includes("work_dir"), "the flags view shows an agent's flags (its --work_dir)", agentFlag.slice(0, 200));
    await shot("flags-agent");

    await visit("#/metrics", "#metrics-table");
    await page.locator("#metric-filter").fill("master/elected");
    const elected = await page.locator('#metrics-table tr[data-key="master/elected"]').innerText();
    check(/\b1\b/.test(elected), "the metrics view shows master/elected 1", elected);
    await shot("metrics");

    await visit("#/roles", "#roles-card");
    await page.waitForFunction(() => !document.querySelector("#roles-card")?.textContent?.includes("Loading"));
    const roles = await page.locator("#roles-card").innerText();
    check(!/failed/.test(roles), "the roles view reads /master/roles", roles.slice(0, 200));
    await shot("roles");

    await visit("#/offers", "#offers-card");
    check(true, "the offers view renders");
    await shot("offers");
    log("views visited");
  }

  // The agent leaves /master/state (as an unreachable one does; scripted by routing):
  // the agents view keeps it, marked UNREACHABLE, and its page says so.
  async function agentUnreachable({ url, agent }) {
    await visit("#/agents", "#agents-list tr[data-agent-id]");
    await page.route(`${url}/master/state`, async (route) => {
      const response = await route.fetch();
      const state = await response.json();
      state.slaves = state.slaves.filter((entry) => entry.id !== agent.id);
      state.unreachable_slaves = (state.unreachable_slaves ?? 0) + 1;
      await route.fulfill({ response, json: state });
    });
    const row = page.locator(`#agents-list tr[data-agent-id="${agent.id}"]`);
    const text = await waitForText(row, "UNREACHABLE", 10_000);
    check(text.includes("UNREACHABLE"), "an agent gone from /master/state shows UNREACHABLE", text);
    const count = await page.locator("#unreachable-count").innerText().catch(() => "");
    check(count.includes("1 unreachable"), "the agents view gives the master's count of unreachable agents", count);
    await shot("agents-unreachable");
    await visit(`#/agents/${encodeURIComponent(agent.id)}`, "#agent-unreachable");
    check(true, "the agent's page says it is unreachable");
    await page.unroute(`${url}/master/state`);
  }

  return { taskRunning, taskFinished, isolation, all, agentUnreachable };
}
