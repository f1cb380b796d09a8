// Polls the master: every `interval` while it answers, backing off (doubling up to
// `maxDelay`) while it fails, so that a master in trouble is not hammered. The delay
// rule is pure (nextDelay) so that it can be reasoned about apart from timers.

export interface PollOptions {
  interval: number; // ms between polls while healthy
  minBackoff: number; // ms after the first failure
  maxDelay: number; // ms, the longest wait
}

export const defaultPollOptions: PollOptions = {
  interval: 2000,
  minBackoff: 1000,
  maxDelay: 30_000,
};

export function nextDelay(failures: number, options: PollOptions): number {
  if (failures <= 0) return options.interval;
  return Math.min(options.maxDelay, options.minBackoff * 2 ** (failures - 1));
}

export interface PollStatus {
  failures: number;
  error?: Error;
  nextAttemptAt?: number;
}

// Calls `load` now and again after each answer; `onData` and `onStatus` report.
// Returns a function that stops it.
export function startPolling<T>(
  load: () => Promise<T>,
  onData: (data: T) => void,
  onStatus: (status: PollStatus) => void,
  options: PollOptions = defaultPollOptions,
): () => void {
  let failures = 0;
  let stopped = false;
  let inFlight = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const schedule = (delay: number) => {
    if (!stopped) timer = setTimeout(tick, delay);
  };
  const tick = async () => {
    inFlight = true;
    try {
      const data = await load();
      if (stopped) return;
      failures = 0;
      onData(data);
      onStatus({ failures });
    } catch (error) {
      if (stopped) return;
      failures += 1;
      onStatus({
        failures,
        error: error as Error,
        nextAttemptAt: Date.now() + nextDelay(failures, options),
      });
    } finally {
      inFlight = false;
    }
    schedule(nextDelay(failures, options));
  };
  // A tab brought back to the front polls at once rather than waiting out a back-off.
  const onVisible = () => {
    if (document.visibilityState === "visible" && failures > 0 && !inFlight) {
      clearTimeout(timer);
      tick();
    }
  };
  document.addEventListener("visibilitychange", onVisible);
  tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
    document.removeEventListener("visibilitychange", onVisible);
  };
}
