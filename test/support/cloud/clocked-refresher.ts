import { vi } from 'vitest';
import { CredentialRefresher } from '../../../src/controller/credential-refresher.js';
import type { Cluster } from '../../../src/domain/cluster.js';
import type { CloudMinter, MintedCredential } from '../../../src/domain/credentials/cloud-source.js';
import { SharedMints } from '../../../src/domain/credentials/shared-mints.js';

/** The lifetime of every token the clocked minter issues: a 15-minute federation token. */
export const TOKEN_LIFE_MS = 15 * 60_000;

/**
 * A credential refresher on a clock the test moves: its `now`, its random (0) and its minter read
 * that clock, and its timers fire as the clock moves (call `vi.useFakeTimers({ toFake: ['setTimeout',
 * 'clearTimeout'] })` first), so nothing depends on how fast the machine is. `shared`: through
 * SharedMints, as the controller mints.
 */
export function clockedRefresher(cluster: Cluster, options: { ownNamespace: string; shared?: boolean }) {
  let clock = Date.parse('2026-12-07T12:00:00Z');
  const now = () => new Date(clock);
  const mints: MintedCredential[] = [];
  const minter: CloudMinter = {
    async mint() {
      const password = `token-${mints.length}`;
      const minted = {
        registries: [{ server: '111122223333.dkr.ecr.eu-west-1.amazonaws.com', username: 'AWS', password }],
        issuedAt: now(),
        expiresAt: new Date(clock + TOKEN_LIFE_MS),
      };
      mints.push(minted);
      return minted;
    },
  };
  const refresher = new CredentialRefresher({
    minter: options.shared ? new SharedMints(minter, now) : minter,
    cluster,
    ownNamespace: options.ownNamespace,
    enqueue: () => undefined,
    observer: { refreshed: () => undefined },
    now,
    random: () => 0,
  });
  /** Moves the clock and fires the timers due meanwhile; then lets the refresh they started finish. */
  const advance = async (ms: number) => {
    clock += ms;
    await vi.advanceTimersByTimeAsync(ms);
    await new Promise((resolve) => setImmediate(resolve));
  };
  return {
    refresher,
    mints,
    now,
    advance,
    advanceTo: (at: Date) => advance(at.getTime() - clock),
  };
}
