import { afterEach, expect } from 'vitest';
import { contractViolations } from './contract-recorder.js';

// Every response of every app built with buildTestApp must match openapi.yaml.
afterEach(() => {
  expect(contractViolations.splice(0), 'responses that break openapi.yaml').toEqual([]);
});
