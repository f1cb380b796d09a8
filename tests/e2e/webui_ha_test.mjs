// The web UI following the leading master (driven by webui_ha_test.cc): opens --url (a
// master that is not leading) and waits until the page, by itself, shows a leading
// master's overview on another origin; says so on stdout ("webui-ha: on the leader
// H:P/"); then waits for the page to leave that master (killed by the caller) for the next
// leader ("webui-ha: followed to H:P/"). Never reloads or navigates the page itself.
import { createRequire } from "node:module";
import path from "node:path";

const args = Object.fromEntries(
  process.argv.slice(2).map((arg) => {
    const [key, ...value] = arg.replace(/^--/, "").split("=");
    return [key, value.join("=")];
  }),
);
const { chromium } = createRequire(path.join(args.modules, "x.js"))("playwright-core");
const log = (message) => console.log(`[${new Date().toISOString().slice(11, 23)}] ${message}`);

// The page's origin once it shows a leading master's view (elected: yes), other than `not`.
async function leaderShown(page, not, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const host = new URL(page.url()).host;
      if (host !== not) {
        const elected = await page.evaluate(async () => {
          const metrics = await (await fetch("metrics/snapshot", { cache: "no-store" })).json();
          return metrics["master/elected"] === 1 && document.querySelector("#agents-list-card") !== null;
        });
        if (elected) return host;
      }
    } catch {
      // the page is navigating
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no leading master's page within ${timeoutMs} ms (at ${page.url()})`);
}

const browser = await chromium.launch({
  executablePath: args.chromium,
  headless: true,
  args: ["--no-sandbox", "--disable-dev-shm-usage"],
});
let code = 0;
try {
  const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  const start = new URL(args.url).host;
  let navigations = 0;
  page.on("framenavigated", (frame) => {
    if (frame === page.mainFrame()) {
      navigations += 1;
      log(`page at ${frame.url()}`);
    }
  });
  await page.goto(args.url);
  const leader = await leaderShown(page, start, 45_000);
  if (!page.url().includes("#/agents")) throw new Error(`the view was lost: ${page.url()}`);
  log(`webui-ha: on the leader ${leader}/ (the view kept: ${page.url()})`);
  await page.screenshot({ path: path.join(args.artifacts, "ha-leader.png") });
  const next = await leaderShown(page, leader, 85_000);
  log(`webui-ha: followed to ${next}/ after ${navigations} navigations of the page's own`);
  await page.screenshot({ path: path.join(args.artifacts, "ha-next-leader.png") });
} catch (error) {
  log(`FAILED: ${error.stack ?? error}`);
  code = 1;
} finally {
  await browser.close();
}
process.exit(code);
