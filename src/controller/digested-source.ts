import { digestsOf } from '../domain/distributions/desired-copy.js';
import type { SecretObject } from '../domain/kubernetes/secret.js';
import type { WatchSource } from '../domain/watch.js';

/** The Secret with each data value replaced by its digest: what the controller's caches hold. */
export function digested(secret: SecretObject): SecretObject {
  return { ...secret, data: digestsOf(secret.data) };
}

/** The same collection, every object passed through `map` as it arrives (lists and watch events). */
export function mappedSource<T>(source: WatchSource<T>, map: (object: T) => T): WatchSource<T> {
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
