import { AppError } from '../errors.js';

/** A change to one object, as a Kubernetes watch reports it; `resourceVersion` is where to resume after it. */
export type WatchEvent<T> =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: T; resourceVersion: string }
  /** Nothing changed for this watch, but the collection has moved on to this resourceVersion. */
  | { type: 'BOOKMARK'; resourceVersion: string };

/** Every object of a collection at one moment, and the resourceVersion a watch resumes from. */
export interface Listing<T> {
  items: T[];
  resourceVersion: string;
}

export interface WatchHandlers<T> {
  onEvent(event: WatchEvent<T>): void;
  /**
   * Called exactly once when the watch ends: without an error when its timeout passed or it was
   * stopped, with WatchExpiredError when its resourceVersion is too old (list again), with another
   * error when the connection failed.
   */
  onClose(error?: unknown): void;
}

export interface Watch {
  /** Ends the watch; onClose follows (without an error) unless it has already been called. */
  stop(): void;
}

/**
 * List and watch over one collection (a kind, maybe narrowed by a label selector), as an informer
 * needs it: list, then watch from the listing's resourceVersion with a server-side timeout.
 */
export interface WatchSource<T> {
  /** Names the collection in logs and metrics, e.g. `namespaces` or `secrets(regcred.io/distribution)`. */
  readonly description: string;
  list(): Promise<Listing<T>>;
  watch(resourceVersion: string, timeoutSeconds: number, handlers: WatchHandlers<T>): Watch;
}

/** The API server no longer holds events back to the asked resourceVersion (HTTP 410 Gone): list again. */
export class WatchExpiredError extends AppError {
  constructor(collection: string) {
    super(410, 'Gone', `the watch on ${collection} expired; list again`);
  }
}

/** The same collection, every object passed through `map` as it arrives (lists and watch events). */
export function mapWatchSource<T>(source: WatchSource<T>, map: (object: T) => T): WatchSource<T> {
  return {
    description: source.description,
    list: async () => {
      const listing = await source.list();
      return { ...listing, items: listing.items.map(map) };
    },
    watch: (resourceVersion, timeoutSeconds, handlers) =>
      source.watch(resourceVersion, timeoutSeconds, {
        onEvent: (event) => handlers.onEvent(event.type === 'BOOKMARK' ? event : { ...event, object: map(event.object) }),
        onClose: (error) => handlers.onClose(error),
      }),
  };
}
