// What the UI remembers across polls: the cluster's cpus and mem (used and total) over
// time for the overview's chart, and agents that have left /master/state (the master
// lists only reachable agents; one that vanishes is shown as unreachable, with when it
// was last seen). Bounded: the newest `maxPoints` samples.
import type { Agent, MasterState } from "./api";
import { resourceTotals } from "./model";

export interface ClusterSample {
  at: number; // ms since the epoch
  cpusUsed: number;
  cpusTotal: number;
  memUsed: number;
  memTotal: number;
}

export interface GoneAgent {
  agent: Agent;
  lastSeen: number; // ms since the epoch
}

export interface ClusterHistory {
  samples: ClusterSample[];
  gone: Map<string, GoneAgent>;
  seen: Map<string, Agent>;
}

export const maxPoints = 600;

export function emptyHistory(): ClusterHistory {
  return { samples: [], gone: new Map(), seen: new Map() };
}

export function recordSnapshot(
  history: ClusterHistory,
  state: MasterState,
  at: number,
): ClusterHistory {
  const agents = state.slaves ?? [];
  const previousAt = history.samples[history.samples.length - 1]?.at ?? at;
  const totals = resourceTotals(agents);
  const samples = [
    ...history.samples.slice(-(maxPoints - 1)),
    {
      at,
      cpusUsed: totals.used.cpus,
      cpusTotal: totals.total.cpus,
      memUsed: totals.used.mem,
      memTotal: totals.total.mem,
    },
  ];
  const present = new Map(agents.map((agent) => [agent.id, agent]));
  const gone = new Map(history.gone);
  for (const [id, agent] of history.seen) {
    if (!present.has(id)) gone.set(id, { agent, lastSeen: previousAt });
  }
  for (const id of present.keys()) gone.delete(id);
  return { samples, gone, seen: present };
}
