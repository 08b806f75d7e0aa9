import type { CoreV1Api } from '@kubernetes/client-node';

// A pod's view of a distribution's copies: reads each copy through the API server, over and over, and
// records every moment one was missing or carried no usable `.dockerconfigjson` for the registry.

export interface Copy {
  namespace: string;
  /** The decoded `.dockerconfigjson`: what a pull client takes as its auth file. */
  dockerConfigJson: string;
}

/** The password a copy holds for `host`, or undefined when its `.dockerconfigjson` has none. */
export function passwordFor(copy: Copy, host: string): string | undefined {
  try {
    const config = JSON.parse(copy.dockerConfigJson) as { auths?: Record<string, { password?: unknown; auth?: unknown }> };
    const entry = config.auths?.[host];
    return typeof entry?.password === 'string' && entry.password && typeof entry.auth === 'string' ? entry.password : undefined;
  } catch {
    return undefined;
  }
}

const INTERVAL_MS = 50;

export class CopyReader {
  /** Each moment a copy was missing or unusable, in words (no secret). */
  readonly problems: string[] = [];
  /** Reads that failed for another reason than a missing copy (the API server busy, say): not counted as problems. */
  readErrors = 0;
  /** Copies read while running. */
  reads = 0;
  /** password → namespace → when a read first returned it. */
  private readonly firstSeen = new Map<string, Map<string, number>>();
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly core: CoreV1Api,
    private readonly namespaces: readonly string[],
    private readonly secretName: string,
    private readonly host: string,
  ) {}

  /** Each copy as stored now, in the order of `namespaces`; undefined where there is none. */
  async readAll(): Promise<(Copy | undefined)[]> {
    return Promise.all(this.namespaces.map((namespace) => this.read(namespace)));
  }

  /** Starts reading every copy every 50 ms until `stop`. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        await Promise.all(this.namespaces.map((namespace) => this.check(namespace)));
        await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** When the last copy was first read with `password` (every one has been), or undefined. */
  allCarriedSince(password: string): number | undefined {
    const seen = this.firstSeen.get(password);
    if (!seen || seen.size < this.namespaces.length) return undefined;
    return Math.max(...seen.values());
  }

  /** The password of a copy for the reader's registry (throws when it has none). */
  passwordOf(copy: Copy | undefined): string {
    const password = copy && passwordFor(copy, this.host);
    if (!password) throw new Error(`the copy in ${copy?.namespace ?? '?'} holds no password for ${this.host}`);
    return password;
  }

  private async check(namespace: string): Promise<void> {
    let copy: Copy | undefined;
    try {
      copy = await this.read(namespace);
    } catch {
      this.readErrors += 1;
      return;
    }
    const at = new Date().toISOString();
    this.reads += 1;
    if (!copy) return void this.problems.push(`${at}: no copy in ${namespace}`);
    const password = passwordFor(copy, this.host);
    if (!password) return void this.problems.push(`${at}: the copy in ${namespace} has no usable .dockerconfigjson for ${this.host}`);
    const seen = this.firstSeen.get(password) ?? new Map<string, number>();
    if (!seen.has(namespace)) seen.set(namespace, Date.now());
    this.firstSeen.set(password, seen);
  }

  private async read(namespace: string): Promise<Copy | undefined> {
    const secret = await this.core.readNamespacedSecret({ namespace, name: this.secretName }).catch((error: { code?: number }) => {
      if (error.code === 404) return undefined;
      throw error;
    });
    const encoded = secret?.data?.['.dockerconfigjson'];
    if (!secret) return undefined;
    return { namespace, dockerConfigJson: encoded ? Buffer.from(encoded, 'base64').toString('utf8') : '' };
  }
}
