import { defineConfig } from 'vitest/config';
import SlowFirstSequencer from './test/support/slow-first-sequencer.js';

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
    projects: [
      { extends: true, test: { name: 'shared-modules', include: ['test/**/*.test.ts'], exclude: NEEDS_OWN_MODULES, isolate: false } },
      { extends: true, test: { name: 'own-modules', include: NEEDS_OWN_MODULES, isolate: true } },
    ],
  },
});
