import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { SLOW_SUITES } from './slow-suites.js';

// The longest files start first, so they run beside the many short ones instead of after them.
// vitest orders by the durations it cached in earlier runs, but a clean clone (CI) has none: the
// slow suites in their listed order, then the longest of the rest.
const SLOW_FIRST = [
  ...SLOW_SUITES,
  'test/cluster/distributions-real-cluster.test.ts',
  'test/controller/distribution-ownership.test.ts',
  'test/controller/distribution-controller.test.ts',
  'test/deploy/manifests.test.ts',
  'test/cluster/kubernetes.test.ts',
  'test/resilience/abuse.test.ts',
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
