import { setImmediate } from 'node:timers/promises';
import type { Pause } from '../domain/distributions/plan-distribution.js';

/**
 * A Pause that yields the event loop once `sliceMs` of work has passed since the last yield, so a
 * plan over tens of thousands of namespaces never holds /healthz or the Lease renewal for long.
 */
export function timeSlicePause(sliceMs = 10): Pause {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < sliceMs) return;
    await setImmediate();
    since = performance.now();
  };
}
