import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Watch, type KubeConfig } from '@kubernetes/client-node';

/** The fields of an object the bench reads. */
export interface Observed {
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string; annotations?: Record<string, string> };
  [field: string]: unknown;
}

interface Listed {
  items: object[];
  metadata?: { resourceVersion?: string };
}

interface Waiter {
  test: () => boolean;
  resolve: (at: number | undefined) => void;
}

const RETRY_MS = 200;

/**
 * A list-then-watch mirror of one collection, through client-node's own Watch (not regcred's
 * informer, which is what is measured), keyed `namespace/name`. until() answers when a condition on
 * the mirror first held, as the time (performance.now()) the event that made it true arrived.
 */
export class ObjectWatch {
  readonly objects = new Map<string, Observed>();
  private readonly waiters = new Set<Waiter>();
  private readonly listeners = new Set<(key?: string) => void>();
  private resourceVersion = '';
  private abort?: AbortController;
  private stopped = false;

  constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly path: string,
    private readonly query: Record<string, string>,
    private readonly list: () => Promise<Listed>,
  ) {}

  /** Lists, then watches until stop(); a closed or expired watch is listed and watched again. */
  async start(): Promise<void> {
    await this.relist();
    void this.watchLoop();
  }

  stop(): void {
    this.stopped = true;
    this.abort?.abort();
    for (const waiter of this.waiters) waiter.resolve(undefined);
    this.waiters.clear();
  }

  get(namespace: string, name: string): Observed | undefined {
    return this.objects.get(`${namespace}/${name}`);
  }

  /**
   * Calls `listener` with the key of each object added, changed or deleted (before the waiters are
   * tested), and with no key after a relist; so a condition over many objects can be kept up to date
   * instead of recomputed on every event. Answers the function that stops it.
   */
  onChange(listener: (key?: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** When `test` first held (now, if it already does), or undefined after `timeoutMs` or stop(). */
  until(test: () => boolean, timeoutMs: number): Promise<number | undefined> {
    if (test()) return Promise.resolve(performance.now());
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(undefined), timeoutMs);
      const waiter: Waiter = { test, resolve: (at) => done(at) };
      const done = (at: number | undefined) => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
        resolve(at);
      };
      this.waiters.add(waiter);
    });
  }

  /** How long after now `test` first held, in ms, or undefined after `timeoutMs` or stop(). */
  async when(test: () => boolean, timeoutMs: number): Promise<number | undefined> {
    const from = performance.now();
    const at = await this.until(test, timeoutMs);
    return at === undefined ? undefined : Math.max(0, at - from);
  }

  private async relist(): Promise<void> {
    const listed = await this.list();
    this.objects.clear();
    for (const item of listed.items as Observed[]) this.objects.set(keyOf(item), item);
    this.resourceVersion = listed.metadata?.resourceVersion ?? '';
    for (const listener of this.listeners) listener();
    this.check();
  }

  private async watchLoop(): Promise<void> {
    let expired = false;
    while (!this.stopped) {
      try {
        if (expired) await this.relist();
        expired = await this.watchOnce();
      } catch {
        expired = true;
      }
      if (!this.stopped) await sleep(expired ? RETRY_MS : 0);
    }
  }

  /** One watch until the server ends it; true when the mirror must be listed again. */
  private watchOnce(): Promise<boolean> {
    return new Promise((resolve) => {
      let expired = false;
      const query = { ...this.query, resourceVersion: this.resourceVersion, allowWatchBookmarks: true, timeoutSeconds: 300 };
      void new Watch(this.kubeConfig)
        .watch(
          this.path,
          query,
          (type: string, object: Observed) => {
            if (type === 'ERROR') return void (expired = true);
            this.resourceVersion = object.metadata?.resourceVersion ?? this.resourceVersion;
            if (type === 'BOOKMARK') return;
            const key = keyOf(object);
            if (type === 'DELETED') this.objects.delete(key);
            else this.objects.set(key, object);
            for (const listener of this.listeners) listener(key);
            this.check();
          },
          (error: unknown) => resolve(expired || Boolean(error)),
        )
        .then(
          (abort) => {
            this.abort = abort;
            if (this.stopped) abort.abort();
          },
          () => resolve(true),
        );
    });
  }

  private check(): void {
    const at = performance.now();
    for (const waiter of [...this.waiters]) if (waiter.test()) waiter.resolve(at);
  }
}

function keyOf(object: Observed): string {
  return `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
}
