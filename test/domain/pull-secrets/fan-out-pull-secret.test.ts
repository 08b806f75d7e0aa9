import type { SecretDraft } from '../../../src/domain/kubernetes/secret.js';
import { describe, expect, it } from 'vitest';
import { MemoryCluster } from '../../../src/cluster/memory/cluster.js';
import type { Operation } from '../../../src/domain/access/access-policy.js';
import { MAX_FAN_OUT_REFUSALS } from '../../../src/domain/access/authorize-namespaces.js';
import type { Cluster } from '../../../src/domain/cluster.js';
import {
  fanOutPullSecret,
  NOT_REVIEWED,
  type FanOutPullSecret,
  type FanOutPorts,
} from '../../../src/domain/pull-secrets/fan-out-pull-secret.js';
import { MAX_FAN_OUT_NAMESPACES } from '../../../src/domain/pull-secrets/write-schemas.js';
import type { FannedOut } from '../../../src/domain/write-outcome.js';
import { WriteTurns } from '../../../src/domain/pull-secrets/write-turns.js';
import { UnavailableError, ValidationError } from '../../../src/errors.js';

const registries = [{ server: 'registry.example.com', username: 'janedoe', password: 'pw-not-shown' }];
const command = (targets: FanOutPullSecret['targets'], more: Partial<FanOutPullSecret> = {}): FanOutPullSecret => ({
  name: 'regcred',
  registries,
  targets,
  ...more,
});

/** Ports over `cluster` whose caller may write where `allowed` says; the operations asked for are kept. */
function portsFor(cluster: Cluster, allowed: (namespace: string) => boolean, options: { denied?: string[]; everywhere?: boolean } = {}) {
  const asked: (readonly Operation[])[] = [];
  const unexpected: unknown[] = [];
  const ports: FanOutPorts = {
    cluster,
    turns: new WriteTurns(),
    concurrency: 4,
    accessFor: (operations) => {
      asked.push(operations);
      return {
        denied: (namespace) => options.denied?.includes(namespace) ?? false,
        allowedEverywhere: async () => options.everywhere ?? false,
        allowed: async (namespace) => allowed(namespace),
      };
    },
    onUnexpected: (error) => unexpected.push(error),
  };
  return { ports, asked, unexpected };
}

const teams = () =>
  new MemoryCluster({
    namespaces: [
      { name: 'team-a', labels: { team: 'x' } },
      { name: 'team-b', labels: { team: 'x' } },
      { name: 'ops', labels: { team: 'x' } },
      { name: 'team-c', labels: { team: 'y' } },
    ],
  });
const everyone = () => true;
const teamsOnly = (namespace: string) => namespace.startsWith('team-');
const fannedOut = (outcome: Awaited<ReturnType<typeof fanOutPullSecret>>): FannedOut => {
  if (outcome.kind !== 'fanned-out') throw new Error(`expected a fan-out, got ${outcome.kind}`);
  return outcome;
};
const stored = async (cluster: Cluster, namespaces: string[]) =>
  (await Promise.all(namespaces.map((ns) => cluster.readSecret(ns, 'regcred')))).map((s) => s !== undefined);

describe('fanOutPullSecret (in-memory cluster)', () => {
  it('when every named namespace may be written, then each is created, in the order given, summarised, and the data described once', async () => {
    const cluster = teams();
    const outcome = fannedOut(await fanOutPullSecret(portsFor(cluster, everyone).ports, command({ namespaces: ['team-b', 'team-a'] })));
    expect(outcome.allSucceeded).toBe(true);
    expect(outcome.servers).toEqual(['registry.example.com']);
    expect(outcome.answer.results.map((r) => [r.namespace, r.result])).toEqual([
      ['team-b', 'created'],
      ['team-a', 'created'],
    ]);
    expect(outcome.answer.summary).toEqual({ created: 2, updated: 0, unchanged: 0, forbidden: 0, failed: 0, linkFailed: 0 });
    expect(outcome.answer.registries).toEqual([expect.objectContaining({ server: 'registry.example.com', username: 'janedoe' })]);
    expect(JSON.stringify(outcome)).not.toContain('pw-not-shown');
  });

  it('when run again with one namespace changed behind its back, then the summary counts unchanged and updated', async () => {
    const cluster = teams();
    const { ports } = portsFor(cluster, everyone);
    await fanOutPullSecret(ports, command({ namespaces: ['team-a', 'team-b'] }));
    await fanOutPullSecret(ports, command({ namespaces: ['team-b'] }, { registries: [{ ...registries[0]!, password: 'other' }] }));
    const outcome = fannedOut(await fanOutPullSecret(ports, command({ namespaces: ['team-a', 'team-b'] })));
    expect(outcome.answer.summary).toMatchObject({ created: 0, updated: 1, unchanged: 1 });
  });

  it('when the caller may not write some named namespaces, then those are forbidden and untouched, the others written, not all succeeded', async () => {
    const cluster = teams();
    const { ports } = portsFor(cluster, teamsOnly, { denied: ['team-b'] });
    const outcome = fannedOut(await fanOutPullSecret(ports, command({ namespaces: ['team-a', 'ops', 'team-b'] })));
    expect(outcome.answer.results.map((r) => r.result)).toEqual(['created', 'forbidden', 'forbidden']);
    expect(outcome.answer.summary).toMatchObject({ created: 1, forbidden: 2 });
    expect(outcome.allSucceeded).toBe(false);
    expect(await stored(cluster, ['team-a', 'ops', 'team-b'])).toEqual([true, false, false]);
  });

  it('when a selector matches namespaces the caller may not write, then they leave no trace in the outcome', async () => {
    const cluster = teams();
    const outcome = fannedOut(await fanOutPullSecret(portsFor(cluster, teamsOnly).ports, command({ namespaceSelector: 'team=x' })));
    expect(outcome.answer.results.map((r) => r.namespace)).toEqual(['team-a', 'team-b']);
    expect(outcome.answer.summary.forbidden).toBe(0);
    expect(outcome.allSucceeded).toBe(true);
  });

  it('when ServiceAccounts are named, then access is asked for apply and link; otherwise for apply only', async () => {
    const cluster = teams();
    cluster.seedServiceAccount({ namespace: 'team-a', name: 'builder' });
    const { ports, asked } = portsFor(cluster, everyone);
    await fanOutPullSecret(ports, command({ namespaces: ['team-a'] }));
    const outcome = fannedOut(
      await fanOutPullSecret(ports, command({ namespaces: ['team-a', 'team-b'] }, { serviceAccounts: ['builder'] })),
    );
    expect(asked).toEqual([['apply'], ['apply', 'link']]);
    // team-b has no ServiceAccount "builder": failed there, nothing written.
    expect(outcome.answer.results.map((r) => r.result)).toEqual(['unchanged', 'failed']);
    expect(outcome.answer.summary).toMatchObject({ unchanged: 1, failed: 1 });
    expect(await stored(cluster, ['team-b'])).toEqual([false]);
  });

  it('when linking fails after the secret was written, then the namespace counts as created and as linkFailed, and not all succeeded', async () => {
    const memory = teams();
    memory.seedServiceAccount({ namespace: 'team-a', name: 'builder' });
    const failingLinks = Object.assign(Object.create(memory) as MemoryCluster, {
      setServiceAccountPullSecrets: async () => {
        throw new UnavailableError('the API server is away');
      },
    });
    const outcome = fannedOut(
      await fanOutPullSecret(portsFor(failingLinks, everyone).ports, command({ namespaces: ['team-a'] }, { serviceAccounts: ['builder'] })),
    );
    expect(outcome.answer.results[0]).toMatchObject({ result: 'created', linkError: expect.stringContaining('repeat the request') });
    expect(outcome.answer.summary).toMatchObject({ created: 1, linkFailed: 1 });
    expect(outcome.allSucceeded).toBe(false);
  });

  it('when one namespace fails with an error that is not ours, then it is failed with a generic reason, the port is told, the others written', async () => {
    const memory = teams();
    const broken = Object.assign(Object.create(memory) as MemoryCluster, {
      createSecret: async (draft: SecretDraft) => {
        if (draft.namespace === 'team-b') throw new TypeError('a bug');
        return memory.createSecret(draft);
      },
    });
    const { ports, unexpected } = portsFor(broken, everyone);
    const outcome = fannedOut(await fanOutPullSecret(ports, command({ namespaces: ['team-a', 'team-b'] })));
    expect(outcome.answer.results[1]).toEqual({ namespace: 'team-b', result: 'failed', reason: 'unexpected error; see the service log' });
    expect(unexpected).toEqual([expect.any(TypeError)]);
    expect(await stored(memory, ['team-a'])).toEqual([true]);
  });

  it('when dry run, then the outcome says so and nothing is stored', async () => {
    const cluster = teams();
    const outcome = fannedOut(
      await fanOutPullSecret(portsFor(cluster, everyone).ports, command({ namespaces: ['team-a'] }, { dryRun: true })),
    );
    expect(outcome.answer).toMatchObject({ dryRun: true, summary: { created: 1 } });
    expect(await stored(cluster, ['team-a'])).toEqual([false]);
  });

  it('when a named list is refused more than the bound, then the namespaces past it are forbidden as not reviewed, even one the caller may write', async () => {
    const others = Array.from({ length: MAX_FAN_OUT_REFUSALS + 1 }, (_, i) => `other-${i}`);
    const cluster = new MemoryCluster({ namespaces: [...others, 'team-a'] });
    const outcome = fannedOut(await fanOutPullSecret(portsFor(cluster, teamsOnly).ports, command({ namespaces: [...others, 'team-a'] })));
    const reasons = outcome.answer.results.map((r) => [r.result, r.reason === NOT_REVIEWED]);
    expect(reasons.slice(0, MAX_FAN_OUT_REFUSALS)).toEqual(Array(MAX_FAN_OUT_REFUSALS).fill(['forbidden', false]));
    expect(reasons.slice(MAX_FAN_OUT_REFUSALS)).toEqual([
      ['forbidden', true],
      ['forbidden', true],
    ]);
    expect(outcome.answer.summary.forbidden).toBe(MAX_FAN_OUT_REFUSALS + 2);
    expect(await stored(cluster, ['team-a'])).toEqual([false]);
  });

  it('when a selector matches more namespaces the caller may not write than are reviewed, then it is refused (too_many_refusals) and nothing is written', async () => {
    const others = Array.from({ length: MAX_FAN_OUT_REFUSALS + 5 }, (_, i) => ({ name: `other-${i}`, labels: { team: 'x' } }));
    const cluster = new MemoryCluster({ namespaces: [{ name: 'team-a', labels: { team: 'x' } }, ...others] });
    const outcome = await fanOutPullSecret(portsFor(cluster, teamsOnly).ports, command({ namespaceSelector: 'team=x' }));
    expect(outcome).toMatchObject({ kind: 'refused', name: 'regcred', reason: 'too-many-refusals' });
    if (outcome.kind !== 'refused') return;
    expect(outcome.error).toBeInstanceOf(ValidationError);
    expect(outcome.error.errors).toEqual([expect.objectContaining({ path: 'namespaceSelector', code: 'too_many_refusals' })]);
    expect(await stored(cluster, ['team-a'])).toEqual([false]);
  });

  it('when a selector matches more namespaces the caller may write than one request may, then too_big and nothing is written', async () => {
    const many = Array.from({ length: MAX_FAN_OUT_NAMESPACES + 1 }, (_, i) => ({ name: `n-${i}`, labels: { a: 'b' } }));
    const cluster = new MemoryCluster({ namespaces: many });
    const attempt = fanOutPullSecret(portsFor(cluster, everyone, { everywhere: true }).ports, command({ namespaceSelector: 'a=b' }));
    await expect(attempt).rejects.toMatchObject({ errors: [expect.objectContaining({ path: 'namespaceSelector', code: 'too_big' })] });
    expect(await stored(cluster, ['n-0'])).toEqual([false]);
  });

  it('when the input cannot become a Secret (the hashed name is too long), then it is refused before any namespace is asked about', async () => {
    const cluster = teams();
    const { ports, asked } = portsFor(cluster, everyone);
    const attempt = fanOutPullSecret(ports, command({ namespaces: ['team-a'] }, { name: 'a'.repeat(250), appendHash: true }));
    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
    expect(asked).toEqual([]);
    expect((await cluster.listSecrets('team-a', { limit: 1 })).items).toEqual([]);
  });
});
