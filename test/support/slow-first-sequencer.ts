import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { SLOW_SUITES } from './slow-suites.js';

// The longest files start first, so they run beside the many short ones instead of after them.
// vitest orders by the durations it cached in earlier runs, but a clean clone (CI) has none: the
// slow suites in their listed order, then the longest of the rest.
const SLOW_FIRST = [
  ...SLOW_SUITES,
  // The longest of npm test's files (seconds, 2 cores): started late, any of them alone outlasts the rest.
  'test/cluster/distribution-contract.test.ts',
  'test/controller/distribution-ownership.test.ts',
  'test/http/swagger-ui.browser.test.ts',
  'test/controller/distribution-controller.test.ts',
  'test/resilience/integrity.test.ts',
  'test/cluster/cluster-contract.test.ts',
  'test/resilience/abuse.test.ts',
  'test/deploy/manifests.test.ts',
  'test/http/match-real-cluster.test.ts',
  'test/http/distributions.test.ts',
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
