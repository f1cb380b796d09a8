// The master's endpoints the UI reads, with the parts of their JSON it uses. The shapes
// are Mesos 1.12's legacy JSON (/master/state) and metrics (/metrics/snapshot).

export type ResourceMap = Record<string, number | string | undefined>;

export interface TaskStatus {
  state: string;
  timestamp: number;
  message?: string;
  reason?: string;
  source?: string;
  healthy?: boolean;
  container_status?: ContainerStatus;
}

export interface ContainerStatus {
  container_id?: { value: string };
}

export interface Task {
  id: string;
  executor_id?: string;
  name: string;
  framework_id: string;
  slave_id: string;
  state: string;
  resources?: ResourceMap;
  role?: string;
  statuses?: TaskStatus[];
  container?: unknown;
}

export interface Offer {
  id: string | { value: string };
  framework_id?: string | { value: string };
  slave_id?: string | { value: string };
  agent_id?: string | { value: string };
  hostname?: string;
  resources?: ResourceMap | unknown[];
}

export interface Framework {
  id: string;
  name: string;
  active?: boolean;
  role?: string;
  roles?: string[];
  user?: string;
  hostname?: string;
  principal?: string;
  webui_url?: string;
  connected?: boolean;
  recovered?: boolean;
  checkpoint?: boolean;
  failover_timeout?: number;
  registered_time?: number;
  unregistered_time?: number;
  capabilities?: string[];
  resources?: ResourceMap;
  used_resources?: ResourceMap;
  offered_resources?: ResourceMap;
  offers?: Offer[];
  tasks?: Task[];
  unreachable_tasks?: Task[];
  completed_tasks?: Task[];
}

export interface Agent {
  id: string;
  hostname: string;
  port?: number;
  pid?: string;
  active?: boolean;
  version?: string;
  registered_time?: number;
  resources?: ResourceMap;
  used_resources?: ResourceMap;
  offered_resources?: ResourceMap;
  attributes?: Record<string, string | number>;
  capabilities?: string[];
  deactivated?: boolean;
  reserved_resources?: Record<string, ResourceMap>;
}

export interface MasterState {
  version?: string;
  id?: string;
  pid?: string;
  hostname?: string;
  leader?: string;
  cluster?: string;
  start_time?: number;
  elected_time?: number;
  activated_slaves?: number;
  deactivated_slaves?: number;
  unreachable_slaves?: number;
  slaves?: Agent[];
  frameworks?: Framework[];
  completed_frameworks?: Framework[];
}

export type Metrics = Record<string, number>;

// A failed request, saying which endpoint and why (HTTP status, timeout, network).
export class RequestError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
    readonly status?: number,
  ) {
    super(`GET ${path.startsWith("/") ? path : `/${path}`} failed: ${reason}`);
  }
}

// This master does not lead: it redirected (307 to another origin, which fetch cannot
// follow: an 'opaqueredirect'), or it answered 503 "No leader elected".
export class NotLeadingError extends RequestError {
  constructor(
    path: string,
    readonly leaderKnown: boolean,
  ) {
    super(
      path,
      leaderKnown
        ? "this master is not the leader (it redirects to the leader)"
        : "no leader is elected (HTTP 503)",
      leaderKnown ? 307 : 503,
    );
  }
}

export async function getJson<T>(path: string, timeoutMs = 10_000): Promise<T> {
  return parseJson<T>(path, await request(path, timeoutMs));
}

// One GET that does not follow redirects: a master that is not leading is told apart
// from one that fails.
export async function request(path: string, timeoutMs = 10_000): Promise<Response> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    let response: Response;
    try {
      response = await fetch(path, {
        signal: controller.signal,
        cache: "no-store",
        redirect: "manual",
        headers: { Accept: "application/json" },
      });
    } catch (error) {
      const reason = controller.signal.aborted
        ? `no answer within ${timeoutMs / 1000} s`
        : `the master is unreachable (${(error as Error).message})`;
      throw new RequestError(path, reason);
    }
    if (response.type === "opaqueredirect" || response.status === 307) {
      throw new NotLeadingError(path, true);
    }
    if (!response.ok) {
      const text = (await response.text().catch(() => "")).trim().slice(0, 200);
      if (response.status === 503 && /no leader elected/i.test(text)) {
        throw new NotLeadingError(path, false);
      }
      throw new RequestError(
        path,
        `HTTP ${response.status} ${response.statusText}${text ? `: ${text}` : ""}`,
        response.status,
      );
    }
    return response;
  } finally {
    clearTimeout(timer);
  }
}

async function parseJson<T>(path: string, response: Response): Promise<T> {
  try {
    return (await response.json()) as T;
  } catch (error) {
    throw new RequestError(path, `the answer is not JSON (${(error as Error).message})`);
  }
}

export interface Snapshot {
  state: MasterState;
  metrics: Metrics;
  at: number; // Date.now() when it arrived
}

export async function fetchSnapshot(): Promise<Snapshot> {
  // Relative paths: the UI works wherever the master serves it.
  const [state, metrics] = await Promise.all([
    getJson<MasterState>("master/state"),
    getJson<Metrics>("metrics/snapshot"),
  ]);
  return { state, metrics, at: Date.now() };
}
