// The shell: navigation between views (by URL hash, so a reload keeps the view), the
// polling of the master, and the error banner shown while requests fail. The last good
// snapshot stays on screen under the banner.
import { useEffect, useState } from "preact/hooks";
import { fetchSnapshot, type Snapshot } from "./api";
import { startPolling, type PollStatus } from "./poller";
import { Overview } from "./views/Overview";
import { Tasks } from "./views/Tasks";

const views = [
  { hash: "#/", label: "Overview" },
  { hash: "#/tasks", label: "Tasks" },
];

function useHash(): string {
  const [hash, setHash] = useState(location.hash || "#/");
  useEffect(() => {
    const onChange = () => setHash(location.hash || "#/");
    addEventListener("hashchange", onChange);
    return () => removeEventListener("hashchange", onChange);
  }, []);
  return hash;
}

function ErrorBanner({ status, snapshot }: { status: PollStatus; snapshot?: Snapshot }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  if (!status.error) return null;
  const retryIn = Math.max(0, Math.round(((status.nextAttemptAt ?? now) - now) / 1000));
  return (
    <div class="banner" role="alert" id="error-banner">
      <strong>Cannot read the master's state.</strong> {status.error.message}.{" "}
      {status.failures > 1 && `${status.failures} failures in a row. `}
      Retrying in {retryIn} s.
      {snapshot && ` Showing data from ${Math.round((now - snapshot.at) / 1000)} s ago.`}
    </div>
  );
}

export function App() {
  const hash = useHash();
  const [snapshot, setSnapshot] = useState<Snapshot>();
  const [status, setStatus] = useState<PollStatus>({ failures: 0 });
  useEffect(() => startPolling(fetchSnapshot, setSnapshot, setStatus), []);

  const current = views.find((view) => view.hash === hash) ?? views[0];
  return (
    <>
      <header>
        <span class="brand">Mesolite</span>
        <nav>
          {views.map((view) => (
            <a key={view.hash} href={view.hash} class={view === current ? "active" : ""}>
              {view.label}
            </a>
          ))}
        </nav>
        <span class="muted updated" data-testid="updated">
          {snapshot && `updated ${new Date(snapshot.at).toLocaleTimeString()}`}
        </span>
      </header>
      <ErrorBanner status={status} snapshot={snapshot} />
      <main>
        {!snapshot ? (
          <p class="muted">{status.error ? "No data yet." : "Loading…"}</p>
        ) : current.hash === "#/tasks" ? (
          <Tasks snapshot={snapshot} />
        ) : (
          <Overview snapshot={snapshot} />
        )}
      </main>
    </>
  );
}
