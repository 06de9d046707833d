/**
 * When to restart a language server that stopped: up to `max` times within a sliding window of
 * `windowMs`, then not any more (a server that keeps dying needs a person, not a loop). Kept free of
 * the `vscode` module so it is unit-tested on its own (and drives the server restarts of the protocol
 * tests); `restartingErrorHandler` in extension.ts maps `onServerClosed` to the client's CloseAction.
 */
/** The extension's policy: at most MAX_RESTARTS restarts within WINDOW_MS. */
export const MAX_RESTARTS = 4;
export const WINDOW_MS = 3 * 60 * 1000;

export interface RestartDecision {
  restart: boolean;
  /** Stops counted in the window, this one included. */
  count: number;
}

export class RestartPolicy {
  private readonly stops: number[] = [];

  constructor(
    readonly max: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a stop and says whether to restart. */
  stopped(): RestartDecision {
    const t = this.now();
    this.stops.push(t);
    while (this.stops.length && t - this.stops[0] > this.windowMs) this.stops.shift();
    return { restart: this.stops.length <= this.max, count: this.stops.length };
  }

  /** Forgets the stops (the user restarted the server by hand). */
  reset(): void {
    this.stops.length = 0;
  }
}

/** What to do when the server's connection closed without being asked to: restart and log, or stop and tell the user. */
export type CloseDecision = { restart: true; log: string } | { restart: false; message: string };

/** Records the stop in `policy` and words the outcome (the log line, or the message the user sees). */
export function onServerClosed(policy: RestartPolicy): CloseDecision {
  const { restart, count } = policy.stopped();
  const window = `${Math.round(policy.windowMs / 60000)} minutes`;
  if (restart) return { restart, log: `language server stopped unexpectedly; restarting (${count}/${policy.max} in ${window})` };
  return { restart, message: `Train Guard's language server stopped ${count} times in ${window} and was not restarted. See the log for the cause.` };
}
