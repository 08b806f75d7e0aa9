import type { ManifestProbe, ProbeResult, ProbeTarget } from '../../src/domain/pullcheck/pullcheck-model.js';

// Registry probes for the pull check's tests: no registry is called; each probe is recorded (credentials included, to assert on).

export interface FakeManifestProbe extends ManifestProbe {
  readonly probes: ProbeTarget[];
  /** Whose share of the verification slots each probe was asked under (the `caller` argument), in order. */
  readonly callers: Array<string | undefined>;
}

/** Answers each probe with `answer(target)`, recording the targets. */
export function scriptedProbe(answer: (target: ProbeTarget) => ProbeResult): FakeManifestProbe {
  const probes: ProbeTarget[] = [];
  const callers: Array<string | undefined> = [];
  return {
    probes,
    callers,
    probe: async (target, _signal, caller) => {
      probes.push(structuredClone(target));
      callers.push(caller);
      return answer(target);
    },
  };
}

/** Every registry unreachable: what a probe whose egress guard refuses every target answers. */
export function unreachableRegistries(): FakeManifestProbe {
  return scriptedProbe(() => ({ outcome: 'unreachable', detail: 'no registry is called in this test' }));
}
