/** Capped exponential backoff: the first wait is `initialMs`, each failure doubles it, up to `maxMs`. */
export interface Backoff {
  initialMs: number;
  maxMs: number;
}

/**
 * How long to wait after the `failures`-th failure in a row (1 for the first). The delay is drawn
 * between half and all of the exponential value, so that many clients failing together (every
 * watch when the API server restarts) do not all come back at the same moment.
 */
export function backoffDelay(failures: number, backoff: Backoff, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 30);
  const ceiling = Math.min(backoff.maxMs, backoff.initialMs * 2 ** exponent);
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/** `value` moved by up to ± `fraction` of itself, at random. */
export function jittered(value: number, fraction: number, random: () => number = Math.random): number {
  return value * (1 + fraction * (2 * random() - 1));
}
