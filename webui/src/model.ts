// What the views show, derived from one snapshot of the master: pure functions, so a
// cluster of thousands of tasks is walked once per poll, not once per render.
import type { Agent, Framework, MasterState, Metrics, ResourceMap, Task } from "./api";

export const resourceNames = ["cpus", "mem", "disk", "gpus"] as const;
export type ResourceName = (typeof resourceNames)[number];

export interface ResourceTotals {
  total: Record<ResourceName, number>;
  used: Record<ResourceName, number>;
  offered: Record<ResourceName, number>;
}

function zero(): Record<ResourceName, number> {
  return { cpus: 0, mem: 0, disk: 0, gpus: 0 };
}

function addInto(sum: Record<ResourceName, number>, resources?: ResourceMap) {
  if (!resources) return;
  for (const name of resourceNames) {
    const value = resources[name];
    if (typeof value === "number") sum[name] += value;
  }
}

export function resourceTotals(agents: Agent[]): ResourceTotals {
  const totals = { total: zero(), used: zero(), offered: zero() };
  for (const agent of agents) {
    addInto(totals.total, agent.resources);
    addInto(totals.used, agent.used_resources);
    addInto(totals.offered, agent.offered_resources);
  }
  return totals;
}

// The task states the master counts in its metrics (master/tasks_<state>), in the order
// of a task's life.
export const taskStates = [
  "staging",
  "starting",
  "running",
  "killing",
  "unreachable",
  "finished",
  "failed",
  "killed",
  "lost",
  "error",
  "dropped",
  "gone",
  "gone_by_operator",
] as const;

export function tasksByState(metrics: Metrics): { state: string; count: number }[] {
  return taskStates.map((state) => ({ state, count: metrics[`master/tasks_${state}`] ?? 0 }));
}

export type TaskKind = "active" | "unreachable" | "completed";

export interface TaskRow {
  key: string; // framework id + task id: task ids are unique per framework only
  id: string;
  name: string;
  state: string; // "TASK_RUNNING"
  kind: TaskKind;
  frameworkId: string;
  frameworkName: string;
  agentId: string;
  agentHost: string;
  cpus: number;
  mem: number;
  started?: number; // seconds since the epoch: the first status
  updated?: number; // the last status
  message?: string; // the last status's message, if any
  search: string; // lower-cased text the filter matches
}

function toRow(task: Task, kind: TaskKind, framework: Framework, hosts: Map<string, string>) {
  const statuses = task.statuses ?? [];
  const last = statuses[statuses.length - 1];
  const agentHost = hosts.get(task.slave_id) ?? "";
  const row: TaskRow = {
    key: `${task.framework_id || framework.id}/${task.id}`,
    id: task.id,
    name: task.name,
    state: task.state,
    kind,
    frameworkId: framework.id,
    frameworkName: framework.name,
    agentId: task.slave_id,
    agentHost,
    cpus: Number(task.resources?.cpus ?? 0),
    mem: Number(task.resources?.mem ?? 0),
    started: statuses[0]?.timestamp,
    updated: last?.timestamp,
    message: last?.message,
    search: "",
  };
  row.search = [row.id, row.name, row.state, row.frameworkId, row.frameworkName, row.agentId, agentHost]
    .join("\u0000")
    .toLowerCase();
  return row;
}

// Every task the master knows: active and unreachable first, then completed, each
// group with the most recently updated first.
export function taskRows(state: MasterState): TaskRow[] {
  const hosts = new Map((state.slaves ?? []).map((agent) => [agent.id, agent.hostname]));
  const rows: TaskRow[] = [];
  const frameworks = [...(state.frameworks ?? []), ...(state.completed_frameworks ?? [])];
  for (const framework of frameworks) {
    for (const task of framework.tasks ?? []) rows.push(toRow(task, "active", framework, hosts));
    for (const task of framework.unreachable_tasks ?? [])
      rows.push(toRow(task, "unreachable", framework, hosts));
    for (const task of framework.completed_tasks ?? [])
      rows.push(toRow(task, "completed", framework, hosts));
  }
  const rank: Record<TaskKind, number> = { active: 0, unreachable: 1, completed: 2 };
  rows.sort((a, b) => rank[a.kind] - rank[b.kind] || (b.updated ?? 0) - (a.updated ?? 0));
  return rows;
}

export interface RowFilter {
  state?: string; // "TASK_RUNNING"
  frameworkId?: string;
  agentId?: string;
}

export function filterRows(
  rows: TaskRow[],
  text: string,
  kinds: Set<TaskKind>,
  only: RowFilter = {},
): TaskRow[] {
  const words = text.toLowerCase().split(/\s+/).filter(Boolean);
  return rows.filter(
    (row) =>
      kinds.has(row.kind) &&
      (!only.state || row.state === only.state) &&
      (!only.frameworkId || row.frameworkId === only.frameworkId) &&
      (!only.agentId || row.agentId === only.agentId) &&
      words.every((word) => row.search.includes(word)),
  );
}

// The distinct values of one column, for the filters' drop-downs.
export function choices(rows: TaskRow[], pick: (row: TaskRow) => [string, string]): [string, string][] {
  const seen = new Map<string, string>();
  for (const row of rows) {
    const [value, label] = pick(row);
    if (!seen.has(value)) seen.set(value, label);
  }
  return [...seen].sort((a, b) => a[1].localeCompare(b[1]));
}

export function formatResource(name: ResourceName, value: number): string {
  if (name === "mem" || name === "disk") {
    if (value >= 1024 * 1024) return `${(value / (1024 * 1024)).toFixed(1)} TB`;
    if (value >= 1024) return `${(value / 1024).toFixed(1)} GB`;
    return `${Math.round(value)} MB`;
  }
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

// A framework's roles (MULTI_ROLE), or its single role, "*" by default.
export function rolesOf(framework: Framework): string {
  return (framework.roles?.length ? framework.roles : [framework.role || "*"]).join(", ");
}

export function formatTime(seconds?: number): string {
  if (!seconds) return "";
  return new Date(seconds * 1000).toLocaleString();
}

export function shortState(state: string): string {
  return state.replace(/^TASK_/, "");
}
