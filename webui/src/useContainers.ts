// An agent's containers, polled through the master's proxy: /containers (Mesos's shape
// plus Mesolite's `isolation`), or /monitor/statistics where /containers is not served.
// Keeps each container's previous sample to turn cumulative cpu time into cpus in use,
// and the agent's total usage over time for its chart.
import { useRef, useState } from "preact/hooks";
import { asContainers, containerId, usage, type Container, type Statistics, type Usage } from "./agentModel";
import { agentPath, usePolled } from "./usePolled";

export interface UsageSample {
  at: number;
  cpus: number;
  memBytes: number;
}

export interface Containers {
  containers: Container[];
  usages: Map<string, Usage>;
  samples: UsageSample[];
  // Each container's own usage over time, by containerKey.
  history: Map<string, UsageSample[]>;
  error?: Error;
  source: string;
  loaded: boolean;
}

const keep = 300;

function key(container: Container): string {
  return containerId(container) || `${container.framework_id}/${container.executor_id}`;
}

export function useContainers(agentId: string): Containers {
  const previous = useRef(new Map<string, Statistics>());
  const [samples, setSamples] = useState<UsageSample[]>([]);
  const [usages, setUsages] = useState(new Map<string, Usage>());
  // A ref, not state: the poller may keep the first `record` it was given.
  const history = useRef(new Map<string, UsageSample[]>());
  const [, setHistoryVersion] = useState(0);
  const record = (answer: unknown, at: number) => {
    const next = new Map<string, Usage>();
    const series = new Map<string, UsageSample[]>();
    let cpus = 0;
    let memBytes = 0;
    for (const container of asContainers(answer)) {
      const id = key(container);
      const now = container.statistics;
      const rate = usage(now, previous.current.get(id));
      if (now) previous.current.set(id, now);
      next.set(id, rate);
      // Containers that are gone drop out of the history with their last answer.
      series.set(id, [
        ...(history.current.get(id) ?? []).slice(-(keep - 1)),
        { at, cpus: rate.cpus ?? 0, memBytes: rate.memBytes ?? 0 },
      ]);
      cpus += rate.cpus ?? 0;
      memBytes += rate.memBytes ?? 0;
    }
    setUsages(next);
    history.current = series;
    setHistoryVersion((version) => version + 1);
    setSamples((old) => [...old.slice(-(keep - 1)), { at, cpus, memBytes }]);
  };
  const primary = usePolled<unknown>(agentPath(agentId, "containers"), 2000, record);
  const fallbackPath =
    primary.error && primary.data === undefined ? agentPath(agentId, "monitor/statistics") : undefined;
  const fallback = usePolled<unknown>(fallbackPath, 2000, record);
  const used = fallbackPath ? fallback : primary;
  return {
    containers: asContainers(used.data),
    usages,
    samples,
    history: history.current,
    error: fallbackPath ? fallback.error && primary.error : primary.error,
    source: fallbackPath ? "/monitor/statistics" : "/containers",
    loaded: used.data !== undefined,
  };
}

export { key as containerKey };
