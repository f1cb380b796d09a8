// What the agent pages read from an agent (through the master's proxy): its /state (to
// find a task's executor, sandbox and container), its /containers (Mesos's shape, plus
// Mesolite's `isolation`) or /monitor/statistics, and the usage rates derived from two
// samples of the cumulative cpu times.
import type { ResourceMap, Task } from "./api";

export type Statistics = Record<string, number | undefined> & { timestamp?: number };

export interface Container {
  container_id?: { value: string; parent?: { value: string } };
  executor_id?: string;
  executor_name?: string;
  framework_id?: string;
  source?: string;
  statistics?: Statistics;
  status?: Record<string, unknown>;
  isolation?: Record<string, unknown>;
}

export interface AgentExecutor {
  id: string;
  name?: string;
  source?: string;
  container?: string;
  directory?: string;
  resources?: ResourceMap;
  tasks?: Task[];
  queued_tasks?: Task[];
  completed_tasks?: Task[];
}

export interface AgentFramework {
  id: string;
  name?: string;
  executors?: AgentExecutor[];
  completed_executors?: AgentExecutor[];
}

export interface AgentState {
  id?: string;
  hostname?: string;
  version?: string;
  resources?: ResourceMap;
  attributes?: Record<string, string | number>;
  flags?: Record<string, string>;
  frameworks?: AgentFramework[];
  completed_frameworks?: AgentFramework[];
}

export function idOf(id: unknown): string {
  if (typeof id === "string") return id;
  if (id && typeof id === "object" && "value" in id) return String((id as { value: unknown }).value);
  return "";
}

// The executor that ran a task: the executor whose tasks list it, or (a command task)
// the executor named after it.
export function findExecutor(
  state: AgentState,
  frameworkId: string,
  taskId: string,
): AgentExecutor | undefined {
  const frameworks = [...(state.frameworks ?? []), ...(state.completed_frameworks ?? [])];
  for (const framework of frameworks) {
    if (framework.id !== frameworkId) continue;
    const executors = [...(framework.executors ?? []), ...(framework.completed_executors ?? [])];
    const holds = (executor: AgentExecutor) =>
      [...(executor.tasks ?? []), ...(executor.queued_tasks ?? []), ...(executor.completed_tasks ?? [])].some(
        (task) => task.id === taskId,
      );
    const found = executors.find(holds) ?? executors.find((executor) => executor.id === taskId);
    if (found) return found;
  }
  return undefined;
}

export function containerId(container: Container): string {
  return idOf(container.container_id);
}

// /containers answers an array; /monitor/statistics too (without container ids).
export function asContainers(answer: unknown): Container[] {
  return Array.isArray(answer) ? (answer as Container[]) : [];
}

export interface Usage {
  cpus?: number; // cpus in use, from the cpu time's rate
  memBytes?: number;
  memLimitBytes?: number;
  cpusLimit?: number;
}

function cpuSeconds(statistics?: Statistics): number | undefined {
  if (!statistics) return undefined;
  const user = statistics.cpus_user_time_secs;
  const system = statistics.cpus_system_time_secs;
  if (user === undefined && system === undefined) return undefined;
  return (user ?? 0) + (system ?? 0);
}

export function usage(now?: Statistics, before?: Statistics): Usage {
  const result: Usage = {
    memBytes: now?.mem_rss_bytes ?? now?.mem_total_bytes,
    memLimitBytes: now?.mem_limit_bytes,
    cpusLimit: now?.cpus_limit ?? now?.cpus_soft_limit,
  };
  const a = cpuSeconds(before);
  const b = cpuSeconds(now);
  const dt = (now?.timestamp ?? 0) - (before?.timestamp ?? 0);
  if (a !== undefined && b !== undefined && dt > 0) result.cpus = Math.max(0, (b - a) / dt);
  return result;
}

export function formatBytes(bytes?: number): string {
  if (bytes === undefined) return "";
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}
