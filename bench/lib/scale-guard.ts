import type { RegcredProcess } from './children.js';
import type { ScaleFailure } from './scale-types.js';

/** The run was stopped (hard stop or Ctrl-C): the bench reports what it has. */
export class RunStopped extends Error {}

/** A regcred process ended on its own (e.g. out of heap): recorded for the size, the bench goes on. */
export class RegcredDied extends Error {
  constructor(readonly failure: ScaleFailure) {
    super(failure.message);
  }
}

/** Ends every wait of a run at once when it must stop: after `hardStopSeconds`, or when stop() is called. */
export class RunGuard {
  reason?: string;
  private readonly listeners = new Set<() => void>();
  private readonly timer: NodeJS.Timeout;

  constructor(hardStopSeconds: number) {
    this.timer = setTimeout(() => this.stop(`hard stop after ${hardStopSeconds} s`), hardStopSeconds * 1000);
  }

  /** Calls `listener` on stop (at once if stopped already); answers the function that forgets it. */
  onStop(listener: () => void): () => void {
    if (this.reason) listener();
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stop(reason: string): void {
    if (this.reason) return;
    this.reason = reason;
    process.stderr.write(`  scale: ${reason}\n`);
    for (const listener of this.listeners) listener();
  }

  check(): void {
    if (this.reason) throw new RunStopped(this.reason);
  }

  dispose(): void {
    clearTimeout(this.timer);
  }
}

const POLL_MS = 250;

/**
 * Calls `onDeath` as soon as `server` exits without being asked to (polled), so the waits on it end;
 * `check(step)` then throws RegcredDied with its exit status and last stderr lines. `expectExit()`
 * before stopping it on purpose.
 */
export function deathWatch(server: RegcredProcess, onDeath: () => void) {
  let expected = false;
  const timer = setInterval(() => {
    if (!expected && server.exit()) {
      clearInterval(timer);
      onDeath();
    }
  }, POLL_MS);
  return {
    check(step: string): void {
      const exit = expected ? undefined : server.exit();
      if (!exit) return;
      throw new RegcredDied({
        step,
        message: `${server.name} exited during ${step} (code ${exit.code}, signal ${exit.signal})`,
        exitCode: exit.code,
        signal: exit.signal,
        stderrTail: server.stderrTail(),
      });
    },
    expectExit(): void {
      expected = true;
      clearInterval(timer);
    },
  };
}
