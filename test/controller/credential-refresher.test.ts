import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryCluster } from '../../src/cluster/memory/cluster.js';
import { cloudStatusOf } from '../../src/controller/cloud-status.js';
import type { CredentialRefresher, CredentialState } from '../../src/controller/credential-refresher.js';
import type { CloudSource } from '../../src/domain/credentials/cloud-source.js';
import { desiredCopyOf } from '../../src/domain/distributions/desired-copy.js';
import type { DistributionObject } from '../../src/domain/distributions/distribution.js';
import { clockedRefresher, TOKEN_LIFE_MS as LIFE } from '../support/cloud/clocked-refresher.js';

const OWN = 'regcred';
const ECR: CloudSource = { ecr: { region: 'eu-west-1', registryIds: ['111122223333'] } };
const DISTRIBUTION: DistributionObject = {
  name: 'wide',
  uid: 'uid-wide',
  finalizers: [],
  labels: {},
  annotations: {},
  spec: { secretName: 'regcred', serviceAccounts: [], source: { secretName: 'distribution-wide', ...ECR } },
};
const WHERE = { namespace: OWN, name: DISTRIBUTION.spec.source.secretName };

/** How far into the current token's life its refresh is scheduled. */
const refreshOffset = (state: CredentialState) => state.nextRefreshTime!.getTime() - state.issuedAt!.getTime();

describe('the refresh point leaves room for the distribution’s roll-out (issue 18: every copy gets the new token with 40 % of its life left)', () => {
  const refreshers: CredentialRefresher[] = [];

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  });

  afterEach(() => {
    for (const refresher of refreshers.splice(0)) refresher.stop();
    vi.useRealTimers();
  });

  /** A refresher following the distribution, and its first token minted. */
  async function following(options: { shared?: boolean } = {}) {
    const cluster = new MemoryCluster({ namespaces: [OWN] });
    const world = clockedRefresher(cluster, { ownNamespace: OWN, ...options });
    refreshers.push(world.refresher);
    const state = world.refresher.follow(DISTRIBUTION, ECR, undefined);
    await world.advance(0);
    expect(world.mints).toHaveLength(1);
    /** The content hash every copy carries once the token now in the source is rolled out. */
    const writtenHash = async () => {
      const reading = desiredCopyOf(await cluster.readSecret(OWN, WHERE.name), WHERE);
      if (!('desired' in reading)) throw new Error(reading.problem);
      return reading.desired.contentHash;
    };
    const toRefreshPoint = () => world.advanceTo(state.nextRefreshTime!);
    return { ...world, state, writtenHash, toRefreshPoint };
  }

  /** Every copy carries the first token `rolloutMs` after its write; then its refresh point comes and the second is minted. */
  async function firstTokenRolledOutIn(rolloutMs: number, options: { shared?: boolean } = {}) {
    const world = await following(options);
    const hash = await world.writtenHash();
    await world.advance(rolloutMs);
    world.refresher.rolledOut(DISTRIBUTION.name, hash);
    await world.toRefreshPoint();
    expect(world.mints).toHaveLength(2);
    expect(world.state.issuedAt).toEqual(world.now());
    return world;
  }

  it('when the last roll-out took 4 s, then a 15-minute token is renewed at 50 % of its life, as without a measure', async () => {
    const { state } = await firstTokenRolledOutIn(4_000);
    expect(refreshOffset(state)).toBe(0.5 * LIFE);
    expect(state.rolloutTooLong).toBeUndefined();
  });

  it('when the last roll-out to 50,000 namespaces took 135 s, then the next 15-minute token is renewed early enough for 1.5 times that to end by 60 % of its life', async () => {
    const { state, now } = await firstTokenRolledOutIn(135_000);
    const offset = refreshOffset(state);
    expect(offset).toBeLessThan(0.5 * LIFE);
    expect(offset + 1.5 * 135_000).toBeLessThanOrEqual(0.6 * LIFE);
    expect(offset).toBe(337_500);
    const status = cloudStatusOf(DISTRIBUTION, state, now());
    expect(status.conditions[0]).toMatchObject({ status: 'True', reason: 'Refreshed' });
    expect(status.credential.nextRefreshTime).toBe(state.nextRefreshTime!.toISOString());
  });

  it('when the last roll-out cannot fit the token’s life, then it is renewed at the floor (not before the roll-out’s own length) and the Ready condition says the token is too short for the roll-out', async () => {
    const { state, now } = await firstTokenRolledOutIn(400_000);
    expect(refreshOffset(state)).toBe(400_000);
    expect(state.rolloutTooLong).toEqual({ rolloutMs: 400_000, lifetimeMs: LIFE });
    const [ready] = cloudStatusOf(DISTRIBUTION, state, now()).conditions;
    expect(ready).toMatchObject({ type: 'Ready', status: 'True', reason: 'TokenTooShortForRollout' });
    expect(ready!.message).toMatch(/roll-out took 400 s: too long for a 900 s token/);
  });

  it('when a roll-out of other content is reported, then it is not taken as this token’s roll-out', async () => {
    const world = await following();
    await world.advance(400_000);
    world.refresher.rolledOut(DISTRIBUTION.name, 'sha256:0000000000000000');
    await world.toRefreshPoint();
    expect(world.mints).toHaveLength(2);
    expect(refreshOffset(world.state)).toBe(0.5 * LIFE);
    expect(world.state.rolloutTooLong).toBeUndefined();
  });

  it('when tokens are shared per identity and the refresh comes early (62.5 % of life left), then a new token is minted, not the one being replaced handed back', async () => {
    const world = await firstTokenRolledOutIn(135_000, { shared: true });
    const second = world.state.issuedAt!;
    await world.toRefreshPoint();
    expect(world.mints).toHaveLength(3);
    expect(world.state.issuedAt!.getTime()).toBeGreaterThan(second.getTime());
    expect(world.state.nextRefreshTime!.getTime()).toBeGreaterThan(world.now().getTime());
  });
});
