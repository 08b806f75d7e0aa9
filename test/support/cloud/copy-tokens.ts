import { Buffer } from 'node:buffer';
import { Watch, type KubeConfig } from '@kubernetes/client-node';
import { DISTRIBUTION_LABEL } from '../../../src/domain/distributions/distribution.js';

interface Carried {
  password: string;
  since: number;
}

/** A copy that still carried a token after that token had expired. */
export interface ExpiredCarry {
  namespace: string;
  /** How long past the token's expiry the copy went on carrying it, in ms. */
  pastExpiryMs: number;
}

interface SecretEvent {
  metadata?: { namespace?: string; resourceVersion?: string };
  data?: Record<string, string>;
}

/**
 * Which minted token every copy of one distribution carries, from a watch on the copies (client-node's
 * own Watch, not regcred's informers), and whether any copy ever went on carrying a token past that
 * token's expiry. Times are wall-clock ms (Date.now()), as the fakes' expiry times are.
 */
export class CopyTokens {
  private readonly carried = new Map<string, Carried>();
  private readonly carrying = new Map<string, number>();
  private readonly waiters = new Set<() => void>();
  /** Watch events that changed the token a copy carries (a new copy counts too). */
  tokenChanges = 0;
  /** Every watch event on a copy: ADDED, MODIFIED, DELETED. */
  events = 0;
  readonly expired: ExpiredCarry[] = [];
  private abort?: AbortController;
  private resourceVersion = '';
  private stopped = false;

  /** `expiryOf`: when a password expires (ms), as the fake that minted it says; undefined for one it did not mint. */
  constructor(private readonly expiryOf: (password: string) => number | undefined) {}

  /** Watches the copies of `distribution` from now on (start it before the first copy is written). */
  async start(kubeConfig: KubeConfig, distribution: string): Promise<void> {
    const watchOnce = async (): Promise<void> => {
      if (this.stopped) return;
      const query = { labelSelector: `${DISTRIBUTION_LABEL}=${distribution}`, allowWatchBookmarks: true, ...this.since() };
      this.abort = await new Watch(kubeConfig).watch(
        '/api/v1/secrets',
        query,
        (type: string, object: SecretEvent) => this.onEvent(type, object),
        // A watch the server ends is opened again from where it stopped.
        () => void setTimeout(() => void watchOnce().catch(() => undefined), 100),
      );
    };
    await watchOnce();
  }

  stop(at = Date.now()): void {
    this.stopped = true;
    this.abort?.abort();
    // A copy still carrying an expired token when the watch ends counts too.
    for (const [namespace, carried] of this.carried) this.checkExpiry(namespace, carried, at);
    this.carried.clear();
  }

  /** How many copies carry `password` now. */
  count(password: string): number {
    return this.carrying.get(password) ?? 0;
  }

  get copies(): number {
    return this.carried.size;
  }

  /** The password the copy in `namespace` carries now. */
  passwordIn(namespace: string): string | undefined {
    return this.carried.get(namespace)?.password;
  }

  /** When `test` first held (Date.now()), or undefined after `timeoutMs`. */
  until(test: () => boolean, timeoutMs: number): Promise<number | undefined> {
    if (test()) return Promise.resolve(Date.now());
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(undefined), timeoutMs);
      const check = () => {
        if (test()) done(Date.now());
      };
      const done = (at: number | undefined) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(at);
      };
      this.waiters.add(check);
    });
  }

  private since(): { resourceVersion?: string } {
    return this.resourceVersion ? { resourceVersion: this.resourceVersion } : {};
  }

  private onEvent(type: string, object: SecretEvent): void {
    // An ERROR (410 Gone) means starting over: a watch without resourceVersion lists every copy again.
    if (type === 'ERROR') return void (this.resourceVersion = '');
    this.resourceVersion = object.metadata?.resourceVersion ?? this.resourceVersion;
    if (type === 'BOOKMARK') return;
    this.events += 1;
    const at = Date.now();
    const namespace = object.metadata?.namespace ?? '';
    const before = this.carried.get(namespace);
    const password = type === 'DELETED' ? undefined : passwordOf(object);
    if (before?.password === password) return;
    if (before) {
      this.checkExpiry(namespace, before, at);
      this.carrying.set(before.password, this.count(before.password) - 1);
      this.carried.delete(namespace);
    }
    if (password !== undefined) {
      this.tokenChanges += 1;
      this.carried.set(namespace, { password, since: at });
      this.carrying.set(password, this.count(password) + 1);
    }
    for (const check of [...this.waiters]) check();
  }

  private checkExpiry(namespace: string, carried: Carried, until: number): void {
    const expiresAt = this.expiryOf(carried.password);
    if (expiresAt !== undefined && until > expiresAt) this.expired.push({ namespace, pastExpiryMs: until - expiresAt });
  }
}

/** The password of the (first) registry in a copy's .dockerconfigjson. */
export function passwordOf(secret: SecretEvent): string | undefined {
  try {
    const config = JSON.parse(Buffer.from(secret.data?.['.dockerconfigjson'] ?? '', 'base64').toString('utf8')) as {
      auths?: Record<string, { password?: string }>;
    };
    return Object.values(config.auths ?? {})[0]?.password;
  } catch {
    return undefined;
  }
}
