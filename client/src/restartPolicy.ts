/**
 * When to restart a language server that stopped: up to `max` times within a sliding window of
 * `windowMs`, then not any more (a server that keeps dying needs a person, not a loop). Kept free of
 * the `vscode` module so it is unit-tested on its own; `restartingErrorHandler` in extension.ts uses it.
 */
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
