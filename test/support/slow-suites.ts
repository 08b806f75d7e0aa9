// The suites `npm run test:slow` runs, and `npm test` leaves out: each takes tens of seconds of
// two cores (a private API server, real regcred processes, faults injected and waited out, the
// fuzzers). `.ci/run` runs both, so nothing is dropped; `npm test` stays the fast specification.
export const SLOW_SUITES = [
  'test/resilience/distributions-outage.test.ts',
  'test/resilience/faults.test.ts',
  'test/resilience/distributions-replicas.test.ts',
  'test/main.test.ts',
  'test/resilience/fuzz-distribution-objects.test.ts',
  'test/resilience/hostile-tenant.test.ts',
  'test/controller/crd-upgrade.test.ts',
  'test/resilience/bounded-work.test.ts',
  'test/resilience/production-heap.test.ts',
  'test/resilience/fuzz.test.ts',
  'test/resilience/contention.test.ts',
  'test/controller/leader-election-real-cluster.test.ts',
  'test/registry/cloud-pull.test.ts',
  'test/resilience/cloud-thousand-namespaces.test.ts',
  'test/monitoring/live-prometheus.test.ts',
  'test/controller/cloud-credentials.test.ts',
  'test/registry/pullcheck-real.test.ts',
];
