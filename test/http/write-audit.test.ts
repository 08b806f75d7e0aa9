import type { Response } from 'express';
import { describe, expect, it } from 'vitest';
import { LinkAfterWriteError } from '../../src/domain/pull-secrets/write-and-link.js';
import type { WriteOutcome, WriteTarget } from '../../src/domain/write-outcome.js';
import type { DistributionView } from '../../src/domain/distributions/distribution-schemas.js';
import type { PullSecretView } from '../../src/domain/view-schemas.js';
import { ConflictError, UnavailableError, ValidationError } from '../../src/errors.js';
import type { AuditEntry } from '../../src/http/audit.js';
import { recordWriteOutcome } from '../../src/http/write-audit.js';
import { createMetrics } from '../../src/metrics.js';

/** Records `outcome` and gives the audit lines (as written, keys in order) and the pull_secrets_written samples. */
async function record(outcome: WriteOutcome) {
  const metrics = createMetrics({ processMetrics: false });
  const lines: AuditEntry[] = [];
  recordWriteOutcome({ metrics, access: { audit: (_res, entry) => lines.push(entry) } }, {} as Response, outcome);
  const counted = (await metrics.pullSecretsWritten.get()).values.map((v) => [v.labels.result, v.value]);
  return { lines: lines.map((l) => JSON.stringify(l)), counted };
}

const apply: WriteTarget = { operation: 'apply', namespace: 'team-a', name: 'regcred', servers: ['r.example.com'], dryRun: false };
const view = {
  name: 'regcred-5f7h',
  result: 'created',
  serviceAccountLinks: [{ serviceAccount: 'sa', result: 'linked' }],
} as PullSecretView;

describe('recordWriteOutcome: audit lines and write metrics from an outcome, in one place', () => {
  it('when a write succeeded, then one line names what was written and its result is counted; a dry run is marked and not counted', async () => {
    expect(await record({ kind: 'written', target: apply, view })).toEqual({
      lines: [
        '{"operation":"apply","namespace":"team-a","name":"regcred-5f7h","servers":["r.example.com"],"result":"created","serviceAccounts":["sa"]}',
      ],
      counted: [['created', 1]],
    });
    const dry = await record({ kind: 'written', target: { ...apply, dryRun: true }, view: { ...view, result: 'updated' } });
    expect(dry.lines[0]).toContain('"dryRun":true,"result":"updated"');
    expect(dry.counted).toEqual([]);
  });

  it('when a write failed, then its reason is the error title (never its message) and it counts as failed; linking that failed after the write counts as written', async () => {
    const failed = await record({
      kind: 'failed',
      target: { ...apply, operation: 'create' },
      error: new ConflictError('secret "x" exists'),
    });
    expect(failed.lines).toEqual([
      '{"operation":"create","namespace":"team-a","name":"regcred","servers":["r.example.com"],"result":"failed","reason":"409 Conflict"}',
    ]);
    expect(failed.counted).toEqual([['failed', 1]]);
    const links = [{ serviceAccount: 'sa', result: 'failed' as const, reason: 'away' }];
    const linkFailed = await record({
      kind: 'failed',
      target: apply,
      error: new LinkAfterWriteError(new UnavailableError('away'), 'regcred', 'updated', links),
    });
    expect(linkFailed.lines).toEqual([
      '{"operation":"apply","namespace":"team-a","name":"regcred","servers":["r.example.com"],"result":"updated","linkFailed":"sa"}',
    ]);
    expect(linkFailed.counted).toEqual([['updated', 1]]);
  });

  it('when a delete succeeded or failed, then it is audited without servers and never counted', async () => {
    const target: WriteTarget = { operation: 'delete', namespace: 'team-a', name: 'regcred', dryRun: false };
    const deleted = await record({ kind: 'deleted', target, links: [{ serviceAccount: 'sa', result: 'unlinked' }] });
    expect(deleted).toEqual({
      lines: ['{"operation":"delete","namespace":"team-a","name":"regcred","result":"deleted","serviceAccounts":["sa"]}'],
      counted: [],
    });
    const failed = await record({ kind: 'failed', target, error: new TypeError('a bug') });
    expect(failed).toEqual({
      lines: ['{"operation":"delete","namespace":"team-a","name":"regcred","result":"failed","reason":"error"}'],
      counted: [],
    });
  });

  it('when a fan-out ran, then one line per namespace (forbidden ones as denials, not counted); a refused one is one denial', async () => {
    const answer = {
      name: 'regcred',
      summary: { created: 1, updated: 0, unchanged: 0, forbidden: 1, failed: 1, linkFailed: 0 },
      results: [
        { namespace: 'a', result: 'created' as const, name: 'regcred' },
        { namespace: 'b', result: 'forbidden' as const, reason: 'no' },
        { namespace: 'c', result: 'failed' as const, reason: 'gone' },
      ],
      registries: [],
      warnings: [],
    };
    const fannedOut = await record({ kind: 'fanned-out', servers: ['r.example.com'], allSucceeded: false, answer });
    expect(fannedOut.lines).toEqual([
      '{"operation":"apply","namespace":"a","name":"regcred","servers":["r.example.com"],"result":"created"}',
      '{"operation":"apply","namespace":"b","name":"regcred","servers":["r.example.com"],"result":"denied","reason":"forbidden"}',
      '{"operation":"apply","namespace":"c","name":"regcred","servers":["r.example.com"],"result":"failed","reason":"failed"}',
    ]);
    expect(fannedOut.counted).toEqual([
      ['created', 1],
      ['failed', 1],
    ]);
    const dry = await record({ kind: 'fanned-out', servers: [], allSucceeded: true, answer: { ...answer, dryRun: true } });
    expect(dry.lines[0]).toMatch(/"result":"created","dryRun":true}$/);
    expect(dry.counted).toEqual([]);
    const refused = await record({
      kind: 'refused',
      name: 'regcred',
      reason: 'too-many-refusals',
      error: new ValidationError('too many', []),
    });
    expect(refused).toEqual({
      lines: ['{"operation":"apply","name":"regcred","result":"denied","reason":"too-many-refusals"}'],
      counted: [],
    });
  });

  it('when a PullSecretDistribution was applied, deleted or failed, then one line names it (no namespace) and nothing is counted', async () => {
    const applyDistribution: WriteTarget = { operation: 'applyDistribution', name: 'shared', servers: ['r.example.com'], dryRun: false };
    const applied = await record({
      kind: 'distribution-written',
      target: applyDistribution,
      view: { result: 'created' } as DistributionView,
    });
    expect(applied).toEqual({
      lines: ['{"operation":"applyDistribution","name":"shared","servers":["r.example.com"],"result":"created"}'],
      counted: [],
    });
    const deleteDistribution: WriteTarget = { operation: 'deleteDistribution', name: 'shared', dryRun: false };
    const deleted = await record({ kind: 'distribution-written', target: deleteDistribution, view: {} as DistributionView });
    expect(deleted.lines).toEqual(['{"operation":"deleteDistribution","name":"shared","result":"deleted"}']);
    const failed = await record({ kind: 'failed', target: applyDistribution, error: new ConflictError('being deleted') });
    expect(failed).toEqual({
      lines: ['{"operation":"applyDistribution","name":"shared","servers":["r.example.com"],"result":"failed","reason":"409 Conflict"}'],
      counted: [],
    });
  });
});
