// A view's own polling of one endpoint (an agent's containers, a file's size...): the
// same back-off as the master's poll, stopped when the view goes away or the path changes.
import { useEffect, useState } from "preact/hooks";
import { getJson } from "./api";
import { startPolling, type PollStatus } from "./poller";

export interface Polled<T> {
  data?: T;
  error?: Error;
  at?: number;
}

export function usePolled<T>(
  path: string | undefined,
  interval = 2000,
  onData?: (data: T, at: number) => void,
): Polled<T> {
  const [polled, setPolled] = useState<Polled<T>>({});
  useEffect(() => {
    setPolled({});
    if (!path) return;
    return startPolling(
      () => getJson<T>(path),
      (data) => {
        const at = Date.now();
        onData?.(data, at);
        setPolled({ data, at });
      },
      (status: PollStatus) => setPolled((old) => ({ ...old, error: status.error })),
      { interval, minBackoff: 1000, maxDelay: 30_000 },
    );
  }, [path]);
  return polled;
}

// The master's proxy to an agent's own endpoints.
export function agentPath(agentId: string, endpoint: string): string {
  return `agent/${encodeURIComponent(agentId)}/${endpoint}`;
}
