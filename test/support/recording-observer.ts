import type { ControllerObserver } from '../../src/controller/distribution-controller.js';

/** An observer that records what the controller reports (`unexpected` errors into the array given, if one is). */
export function recordingObserver(into: { unexpected?: unknown[] } = {}) {
  const seen = {
    restored: [] as string[],
    failed: [] as string[],
    refused: [] as string[],
    /** `<distribution>:<type>=<status>:<reason>` for each Ready condition that moved. */
    conditions: [] as string[],
    rolledOut: 0,
    refreshes: [] as string[],
    unexpected: into.unexpected ?? ([] as unknown[]),
    errors: [] as unknown[],
    reconciles: 0,
    /** By distribution: on the shared kit the controller also sees other suites' distributions. */
    reconcilesOf: new Map<string, number>(),
    /** Namespaces planned, by distribution: the work the passes did. */
    plannedOf: new Map<string, number>(),
  };
  const observer: ControllerObserver = {
    restored: (_d, namespace, how) => seen.restored.push(`${namespace}:${how}`),
    failed: (_d, namespace, reason) => seen.failed.push(`${namespace}:${reason}`),
    refused: (d, problem) => seen.refused.push(`${d.name}:${problem}`),
    rolledOut: () => void seen.rolledOut++,
    conditionChanged: (d, c) => seen.conditions.push(`${d.name}:${c.type}=${c.status}:${c.reason}`),
    unexpected: (error) => seen.unexpected.push(error),
    reconciled: (_d, name, result) => {
      seen.reconciles++;
      seen.reconcilesOf.set(name, (seen.reconcilesOf.get(name) ?? 0) + 1);
      if ('error' in result) seen.errors.push(result.error);
      else seen.plannedOf.set(name, (seen.plannedOf.get(name) ?? 0) + (result.planned ?? 0));
    },
    informer: () => undefined,
    refreshed: (name, provider, result) => seen.refreshes.push(`${name}:${provider}:${result}`),
  };
  return { observer, seen };
}
