import { BaseSequencer, type TestSpecification } from 'vitest/node';

// Files that each take tens of seconds (a private API server, real regcred processes, the fuzzer):
// started first, they run beside the many short files instead of after them. vitest orders by
// the durations it cached in earlier runs, but a clean clone (CI) has none.
const SLOW_FIRST = [
  'test/resilience/distributions-outage.test.ts',
  'test/resilience/faults.test.ts',
  'test/main.test.ts',
  'test/resilience/distributions-replicas.test.ts',
  'test/resilience/bounded-work.test.ts',
  'test/resilience/fuzz.test.ts',
  'test/controller/crd-upgrade.test.ts',
  'test/resilience/fuzz-distribution-objects.test.ts',
  'test/resilience/contention.test.ts',
  'test/resilience/production-heap.test.ts',
  'test/controller/leader-election-real-cluster.test.ts',
];

export default class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification) => {
      const index = SLOW_FIRST.findIndex((path) => spec.moduleId.endsWith(path));
      return index === -1 ? SLOW_FIRST.length : index;
    };
    // Stable: the rest keep vitest's order (failed first, then longest cached).
    return sorted
      .map((spec, i) => ({ spec, i }))
      .sort((a, b) => rank(a.spec) - rank(b.spec) || a.i - b.i)
      .map(({ spec }) => spec);
  }
}
