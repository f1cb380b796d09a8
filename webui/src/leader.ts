// Following the leading master. A master that is not leading redirects the UI's requests
// to the leader (307 to another origin, which fetch must not follow); the UI then moves
// the whole window to /master/redirect, which the master answers with the leader's root,
// and the browser keeps the URL's fragment (the view). When the master the UI came from
// dies, the UI tries the other masters it has seen, which travel from master to master in
// the fragment ("#/tasks!hops=1!masters=h1:5050,h2:5050") and are kept in sessionStorage.
// `hops` counts the moves since a master last answered as leader: masters that keep naming
// each other (a split view of who leads) stop the UI after maxHops instead of bouncing it.

const marker = "!masters=";
const hopsMarker = "!hops=";
const storageKey = "mesolite.masters";
export const maxHops = 5;

let known: string[] = [];
let hops = 0;

// The view part of the fragment, without what travels along.
function view(): string {
  const hash = location.hash;
  const cut = hash.indexOf("!");
  return cut < 0 ? hash : hash.slice(0, cut);
}

// Reads the masters carried in the fragment (and drops them from the visible URL).
export function adoptKnownMasters(): void {
  const fromHash = location.hash.includes(marker)
    ? location.hash.slice(location.hash.indexOf(marker) + marker.length).split(",")
    : [];
  if (location.hash.includes(hopsMarker)) {
    const parsed = Number.parseInt(location.hash.slice(location.hash.indexOf(hopsMarker) + hopsMarker.length), 10);
    hops = Number.isFinite(parsed) && parsed > 0 ? parsed : 0;
  }
  let stored: string[] = [];
  try {
    stored = JSON.parse(sessionStorage.getItem(storageKey) ?? "[]") as string[];
  } catch {
    stored = [];
  }
  known = [...new Set([location.host, ...fromHash, ...stored].filter(Boolean))];
  try {
    sessionStorage.setItem(storageKey, JSON.stringify(known));
  } catch {
    // storage may be disabled; the fragment still carries the list
  }
  if (location.hash.includes("!")) {
    history.replaceState(null, "", `${location.pathname}${location.search}${view() || "#/"}`);
  }
}

// A master answered as leader: the moves start counting again.
export function arrivedAtLeader(): void {
  hops = 0;
}

// Whether the masters have sent this page round too often to move it again.
export function tooManyHops(): boolean {
  return hops >= maxHops;
}

export function knownMasters(): string[] {
  return known;
}

function fragment(): string {
  return `${view() || "#/"}${hopsMarker}${hops + 1}${marker}${known.join(",")}`;
}

let leaving = false;

// This master redirects to the leader: go there, view kept.
export function goToLeader(delayMs = 800): void {
  if (leaving || tooManyHops()) return;
  leaving = true;
  setTimeout(() => location.assign(`master/redirect${fragment()}`), delayMs);
}

// The master serving the UI is unreachable: open the UI on the first other master that
// answers (it sends us on to the leader if it is not leading). `no-cors` requests to
// another origin resolve (opaquely) when the server answers and reject when it is down.
export async function tryAnotherMaster(timeoutMs = 2000): Promise<boolean> {
  if (leaving) return true;
  if (tooManyHops()) return false;
  for (const host of known) {
    if (host === location.host) continue;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      await fetch(`${location.protocol}//${host}/health`, {
        mode: "no-cors",
        cache: "no-store",
        signal: controller.signal,
      });
      leaving = true;
      location.assign(`${location.protocol}//${host}/${fragment()}`);
      return true;
    } catch {
      // down as well; try the next
    } finally {
      clearTimeout(timer);
    }
  }
  return false;
}
