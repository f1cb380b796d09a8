// The master's endpoints the UI reads, with the parts of their JSON it uses. The shapes
// are Mesos 1.12's legacy JSON (/master/state) and metrics (/metrics/snapshot).

export type ResourceMap = Record<string, number | string | undefined>;

export interface TaskStatus {
  state: string;
  timestamp: number;
  message?: string;
  reason?: string;
}

export interface Task {
  id: string;
  name: string;
  framework_id: string;
  slave_id: string;
  state: string;
  resources?: ResourceMap;
  role?: string;
  statuses?: TaskStatus[];
}

export interface Framework {
  id: string;
  name: string;
  active?: boolean;
  role?: string;
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
  ) {
    super(`GET ${path.startsWith("/") ? path : `/${path}`} failed: ${reason}`);
  }
}

export async function getJson<T>(path: string, timeoutMs = 10_000): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    let response: Response;
    try {
      response = await fetch(path, {
        signal: controller.signal,
        cache: "no-store",
        headers: { Accept: "application/json" },
      });
    } catch (error) {
      const reason = controller.signal.aborted
        ? `no answer within ${timeoutMs / 1000} s`
        : `the master is unreachable (${(error as Error).message})`;
      throw new RequestError(path, reason);
    }
    if (!response.ok) {
      const text = (await response.text().catch(() => "")).trim().slice(0, 200);
      throw new RequestError(
        path,
        `HTTP ${response.status} ${response.statusText}${text ? `: ${text}` : ""}`,
      );
    }
    try {
      return (await response.json()) as T;
    } catch (error) {
      throw new RequestError(path, `the answer is not JSON (${(error as Error).message})`);
    }
  } finally {
    clearTimeout(timer);
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
