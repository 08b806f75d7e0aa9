import type { Listing, Watch, WatchEvent, WatchHandlers, WatchSource } from '../../src/domain/watch.js';

/** The smallest object a WatchSource can carry in tests. */
export interface FakeObject {
  name: string;
  resourceVersion: string;
  value?: string;
}

interface OpenWatch {
  resourceVersion: string;
  timeoutSeconds: number;
  handlers: WatchHandlers<FakeObject>;
  open: boolean;
}

/**
 * A collection in memory with the API server's list/watch semantics, driven by the test: every change
 * gets the next resourceVersion and reaches the open watches, unless the test changes it "while
 * disconnected"; watches end only when the test closes them (as on a timeout, an expiry or a failure).
 */
export class FakeWatchSource implements WatchSource<FakeObject> {
  readonly description = 'fakes';
  readonly watches: OpenWatch[] = [];
  lists = 0;
  private readonly objects = new Map<string, FakeObject>();
  private version = 100;
  private readonly listFailures: unknown[] = [];

  get open(): OpenWatch[] {
    return this.watches.filter((watch) => watch.open);
  }

  get resourceVersion(): string {
    return String(this.version);
  }

  /** The next lists fail with these errors, one each. */
  failLists(...errors: unknown[]): void {
    this.listFailures.push(...errors);
  }

  async list(): Promise<Listing<FakeObject>> {
    this.lists++;
    if (this.listFailures.length) throw this.listFailures.shift();
    return { items: [...this.objects.values()], resourceVersion: this.resourceVersion };
  }

  watch(resourceVersion: string, timeoutSeconds: number, handlers: WatchHandlers<FakeObject>): Watch {
    const watch: OpenWatch = { resourceVersion, timeoutSeconds, handlers, open: true };
    this.watches.push(watch);
    return { stop: () => this.end(watch) };
  }

  /** Creates or changes an object; `silently` when no watch should hear of it (a disconnected informer). */
  put(name: string, value = '', { silently = false } = {}): FakeObject {
    const type = this.objects.has(name) ? 'MODIFIED' : 'ADDED';
    const object = { name, value, resourceVersion: String(++this.version) };
    this.objects.set(name, object);
    if (!silently) this.send({ type, object, resourceVersion: object.resourceVersion });
    return object;
  }

  remove(name: string, { silently = false } = {}): void {
    const object = this.objects.get(name);
    if (!object) throw new Error(`no fake ${name}`);
    this.objects.delete(name);
    const resourceVersion = String(++this.version);
    if (!silently) this.send({ type: 'DELETED', object: { ...object, resourceVersion }, resourceVersion });
  }

  /** Sends an event as it is (e.g. a MODIFIED that changes nothing). */
  send(event: WatchEvent<FakeObject>): void {
    for (const watch of this.open) watch.handlers.onEvent(event);
  }

  bookmark(): void {
    this.send({ type: 'BOOKMARK', resourceVersion: String(++this.version) });
  }

  /** Ends every open watch: without an error as on its timeout, or with one (WatchExpiredError, a failure). */
  close(error?: unknown): void {
    for (const watch of this.open) this.end(watch, error);
  }

  private end(watch: OpenWatch, error?: unknown): void {
    if (!watch.open) return;
    watch.open = false;
    watch.handlers.onClose(error);
  }
}
