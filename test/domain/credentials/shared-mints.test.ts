import { describe, expect, it } from 'vitest';
import type { CloudMinter, CloudSource, MintedCredential } from '../../../src/domain/credentials/cloud-source.js';
import { SharedMints } from '../../../src/domain/credentials/shared-mints.js';

const ECR: CloudSource = { ecr: { region: 'eu-west-1', registryIds: ['111122223333', '444455556666'] } };
const SAME_IN_OTHER_ORDER: CloudSource = { ecr: { region: 'eu-west-1', registryIds: ['444455556666', '111122223333'] } };
const OTHER_ROLE: CloudSource = { ecr: { ...ECR.ecr, roleArn: 'arn:aws:iam::111122223333:role/pull' } };
const LIFE = 1_000_000;

function counting(now: () => number) {
  const calls: CloudSource[] = [];
  const minter: CloudMinter = {
    async mint(source): Promise<MintedCredential> {
      calls.push(source);
      await Promise.resolve();
      const issuedAt = new Date(now());
      return { registries: [], issuedAt, expiresAt: new Date(issuedAt.getTime() + LIFE) };
    },
  };
  return { minter, calls };
}

describe('one mint per identity, however many distributions use it', () => {
  it('when distributions ask at once for the same identity, then one call serves them all; another role is another identity', async () => {
    const now = 0;
    const { minter, calls } = counting(() => now);
    const shared = new SharedMints(minter, () => new Date(now));
    const [a, b, c] = await Promise.all([shared.mint(ECR), shared.mint(SAME_IN_OTHER_ORDER), shared.mint(OTHER_ROLE)]);
    expect(calls).toHaveLength(2);
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });

  it('when a token still has 60 % of its life, then it is handed out again; past that, a new one is minted', async () => {
    let now = 0;
    const { minter, calls } = counting(() => now);
    const shared = new SharedMints(minter, () => new Date(now));
    const first = await shared.mint(ECR);
    now = 0.4 * LIFE;
    expect(await shared.mint(ECR)).toBe(first);
    now = 0.41 * LIFE;
    expect(await shared.mint(ECR)).not.toBe(first);
    expect(calls).toHaveLength(2);
  });

  it('when the asker refuses the held token (the one it is replacing), then a new one is minted even with 60 % of its life left', async () => {
    let now = 0;
    const { minter, calls } = counting(() => now);
    const shared = new SharedMints(minter, () => new Date(now));
    const first = await shared.mint(ECR);
    now = 0.3 * LIFE;
    const newer = (held: MintedCredential) => held.issuedAt > first.issuedAt;
    const second = await shared.mint(ECR, undefined, newer);
    expect(second).not.toBe(first);
    expect(calls).toHaveLength(2);
    // The new one is held in its place, and does for the next asker.
    expect(await shared.mint(ECR, undefined, newer)).toBe(second);
    expect(calls).toHaveLength(2);
  });

  it('when a mint fails, then nothing is kept and the next ask mints again', async () => {
    let fail = true;
    const shared = new SharedMints(
      {
        async mint() {
          if (fail) throw new Error('denied');
          return { registries: [], issuedAt: new Date(0), expiresAt: new Date(LIFE) };
        },
      },
      () => new Date(0),
    );
    await expect(shared.mint(ECR)).rejects.toThrow('denied');
    fail = false;
    await expect(shared.mint(ECR)).resolves.toBeDefined();
    expect(shared.size).toBe(1);
  });
});
