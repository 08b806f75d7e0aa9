import { defineConfig } from 'vitest/config';
import SlowFirstSequencer from './test/support/slow-first-sequencer.js';
import { SLOW_SUITES } from './test/support/slow-suites.js';

// Files that replace a module with vi.mock need a module cache of their own; every other file
// shares its worker's cache, so the app, the contract and Ajv are loaded once per worker, not per file.
const NEEDS_OWN_MODULES = ['test/domain/match/match-entry-budget.test.ts'];

export default defineConfig({
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/contract-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Most of the suite waits on API servers, registries and child processes, not on the CPU:
    // four files at a time on two cores.
    maxWorkers: 4,
    sequence: { sequencer: SlowFirstSequencer },
    // `npm test`: the first two; `npm run test:slow`: the third (see test/support/slow-suites.ts).
    projects: [
      {
        extends: true,
        test: { name: 'shared-modules', include: ['test/**/*.test.ts'], exclude: [...NEEDS_OWN_MODULES, ...SLOW_SUITES], isolate: false },
      },
      { extends: true, test: { name: 'own-modules', include: NEEDS_OWN_MODULES, isolate: true } },
      { extends: true, test: { name: 'slow', include: SLOW_SUITES, isolate: false } },
    ],
  },
});
