import { lifetimeMs } from './refresh-schedule.js';
import { cloudSourceKey, type CloudMinter, type CloudSource, type MintedCredential } from './cloud-source.js';

// A token minted for another distribution on the same identity is reused while it has at least this
// share of its life left (and the asker finds it `reusable`): a distribution refreshing at 50–55 %
// then takes the one just minted instead of minting again.
const REUSE_WHILE_LEFT = 0.6;

/**
 * Several distributions on one identity (same provider, account or hosts, role, region) share one
 * mint: concurrent asks wait for the same call, and a fresh token is handed out again. Each
 * distribution still writes its own source Secret. Entries go once their token expires.
 */
export class SharedMints implements CloudMinter {
  private readonly minted = new Map<string, MintedCredential>();
  private readonly inFlight = new Map<string, Promise<MintedCredential>>();

  constructor(
    private readonly minter: CloudMinter,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * `reusable` lets the asker refuse a held token: one that refreshes early (a long roll-out) would
   * otherwise be handed back the very token it is replacing, still above 60 %, and ask again at once.
   */
  mint(source: CloudSource, signal?: AbortSignal, reusable?: (held: MintedCredential) => boolean): Promise<MintedCredential> {
    this.dropExpired();
    const key = cloudSourceKey(source);
    const fresh = this.minted.get(key);
    if (fresh && this.shareLeft(fresh) >= REUSE_WHILE_LEFT && (reusable?.(fresh) ?? true)) return Promise.resolve(fresh);
    const running = this.inFlight.get(key);
    if (running) return running;
    const minting = this.minter
      .mint(source, signal)
      .then((credential) => {
        this.minted.set(key, credential);
        return credential;
      })
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, minting);
    return minting;
  }

  /** Identities with a token held: at most one per distinct cloud source. */
  get size(): number {
    return this.minted.size;
  }

  private shareLeft(credential: MintedCredential): number {
    const life = lifetimeMs(credential.issuedAt, credential.expiresAt);
    return life === 0 ? 0 : (credential.expiresAt.getTime() - this.now().getTime()) / life;
  }

  private dropExpired(): void {
    const now = this.now().getTime();
    for (const [key, credential] of this.minted) if (credential.expiresAt.getTime() <= now) this.minted.delete(key);
  }
}
