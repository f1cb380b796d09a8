// The shell: navigation between views (by URL hash, so a reload keeps the view), the
// polling of the master, following the leader when this master is not leading, and the
// banners shown while requests fail. The last good snapshot stays on screen under them.
import { useEffect, useState } from "preact/hooks";
import { fetchSnapshot, NotLeadingError, RequestError, type Snapshot } from "./api";
import { emptyHistory, recordSnapshot, type ClusterHistory } from "./history";
import { arrivedAtLeader, goToLeader, maxHops, tooManyHops, tryAnotherMaster } from "./leader";
import { startPolling, type PollStatus } from "./poller";
import { parseRoute, type Route } from "./router";
import { Agent } from "./views/Agent";
import { Agents } from "./views/Agents";
import { Flags } from "./views/Flags";
import { Framework } from "./views/Framework";
import { Frameworks } from "./views/Frameworks";
import { Metrics } from "./views/Metrics";
import { Offers } from "./views/Offers";
import { Overview } from "./views/Overview";
import { Roles } from "./views/Roles";
import { Task } from "./views/Task";
import { Tasks } from "./views/Tasks";

const views = [
  { view: "", label: "Overview" },
  { view: "frameworks", label: "Frameworks" },
  { view: "agents", label: "Agents" },
  { view: "tasks", label: "Tasks" },
  { view: "roles", label: "Roles" },
  { view: "offers", label: "Offers" },
  { view: "flags", label: "Flags" },
  { view: "metrics", label: "Metrics" },
];

function useRoute(): Route {
  const [hash, setHash] = useState(location.hash || "#/");
  useEffect(() => {
    const onChange = () => setHash(location.hash || "#/");
    addEventListener("hashchange", onChange);
    return () => removeEventListener("hashchange", onChange);
  }, []);
  return parseRoute(hash);
}

function ErrorBanner({ status, snapshot }: { status: PollStatus; snapshot?: Snapshot }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  if (!status.error) return null;
  const retryIn = Math.max(0, Math.round(((status.nextAttemptAt ?? now) - now) / 1000));
  if (status.error instanceof NotLeadingError && status.error.leaderKnown && tooManyHops()) {
    return (
      <div class="banner" role="alert" id="hops-banner">
        <strong>The masters keep sending this page to one another.</strong> It moved {maxHops} times
        without reaching a master that answers as leader, so it stays here. Check which master leads
        (<code>mesos-resolve</code>), then reload.
      </div>
    );
  }
  if (status.error instanceof NotLeadingError && status.error.leaderKnown) {
    return (
      <div class="banner info" role="status" id="leader-banner">
        <strong>This master is not the leader.</strong> Going to the leading master…
      </div>
    );
  }
  return (
    <div class="banner" role="alert" id="error-banner">
      <strong>
        {status.error instanceof NotLeadingError ? "No master is leading." : "Cannot read the master's state."}
      </strong>{" "}
      {status.error.message}. {status.failures > 1 && `${status.failures} failures in a row. `}
      Retrying in {retryIn} s.
      {snapshot && ` Showing data from ${Math.round((now - snapshot.at) / 1000)} s ago.`}
    </div>
  );
}

function View(props: { route: Route; snapshot: Snapshot; history: ClusterHistory }) {
  const { route, snapshot, history } = props;
  const [first, second] = route.params;
  switch (route.view) {
    case "frameworks":
      return first ? <Framework snapshot={snapshot} id={first} /> : <Frameworks snapshot={snapshot} />;
    case "agents":
      return first ? (
        <Agent snapshot={snapshot} id={first} gone={history.gone} />
      ) : (
        <Agents snapshot={snapshot} gone={history.gone} />
      );
    case "tasks":
      return first && second ? (
        <Task snapshot={snapshot} frameworkId={first} taskId={second} />
      ) : (
        <Tasks snapshot={snapshot} />
      );
    case "roles":
      return <Roles />;
    case "offers":
      return <Offers snapshot={snapshot} />;
    case "flags":
      return <Flags snapshot={snapshot} />;
    case "metrics":
      return <Metrics snapshot={snapshot} />;
    default:
      return <Overview snapshot={snapshot} history={history} />;
  }
}

export function App() {
  const route = useRoute();
  const [snapshot, setSnapshot] = useState<Snapshot>();
  const [history, setHistory] = useState<ClusterHistory>(emptyHistory);
  const [status, setStatus] = useState<PollStatus>({ failures: 0 });
  useEffect(
    () =>
      startPolling(
        fetchSnapshot,
        (next) => {
          arrivedAtLeader();
          setSnapshot(next);
          setHistory((old) => recordSnapshot(old, next.state, next.at));
        },
        setStatus,
      ),
    [],
  );
  // Not leading: go to the leader. No answer at all twice: try the other masters seen.
  useEffect(() => {
    const error = status.error;
    if (error instanceof NotLeadingError && error.leaderKnown) goToLeader();
    else if (error instanceof RequestError && error.status === undefined && status.failures >= 2)
      void tryAnotherMaster();
  }, [status]);

  const current = views.find((entry) => entry.view === route.view) ?? views[0];
  return (
    <>
      <header>
        <a class="brand" href="#/">
          Mesolite
        </a>
        <nav>
          {views.map((entry) => (
            <a key={entry.view} href={`#/${entry.view}`} class={entry === current ? "active" : ""}>
              {entry.label}
            </a>
          ))}
        </nav>
        <span class="muted updated" data-testid="updated">
          {snapshot && `${snapshot.state.hostname ?? ""} · updated ${new Date(snapshot.at).toLocaleTimeString()}`}
        </span>
      </header>
      <ErrorBanner status={status} snapshot={snapshot} />
      <main>
        {!snapshot ? (
          <p class="muted">{status.error ? "No data yet." : "Loading…"}</p>
        ) : (
          <View route={route} snapshot={snapshot} history={history} />
        )}
      </main>
    </>
  );
}
