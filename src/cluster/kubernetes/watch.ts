import type { ConfigurationOptions } from '@kubernetes/client-node';
import { WatchExpiredError, type Listing, type Watch, type WatchHandlers, type WatchSource } from '../../domain/watch.js';
import type { ApiCall } from './errors.js';
import type { CallApi } from './service-accounts.js';
import { openWatch, type WatchConnection, type WatchTarget } from './watch-stream.js';

/** Items per page of a list: the API server answers a page at a time, so a big collection never arrives as one body. */
export const LIST_PAGE_SIZE = 500;

/** A page as client-node hands it over: typed lists name the token `_continue`, custom objects `continue`. */
export interface ListPage {
  items: unknown[];
  metadata?: { resourceVersion?: string; _continue?: string; continue?: string };
}

export interface CollectionEndpoint<T> extends WatchTarget<T> {
  listOperation: ApiCall;
  listPage(page: { limit?: number; _continue?: string }, options: ConfigurationOptions): Promise<ListPage>;
}

/** List (paged) and watch one collection of a real API server. */
export class KubernetesWatchSource<T> implements WatchSource<T> {
  readonly description: string;

  constructor(
    private readonly endpoint: CollectionEndpoint<T>,
    private readonly connection: WatchConnection,
    private readonly call: CallApi,
    private readonly pageSize = LIST_PAGE_SIZE,
  ) {
    this.description = endpoint.description;
  }

  async list(): Promise<Listing<T>> {
    try {
      return await this.listPaged();
    } catch (error) {
      // A continue token outlived the API server's compaction: list again from the start, still in
      // pages (client-go's pager lists whole instead, but one page of every copy of a 1 MiB Secret
      // would not fit the heap). Once: a second expiry goes to the caller, whose informer retries later.
      if (error instanceof WatchExpiredError) return this.listPaged();
      throw error;
    }
  }

  watch(resourceVersion: string, timeoutSeconds: number, handlers: WatchHandlers<T>): Watch {
    return openWatch(this.connection, this.endpoint, resourceVersion, timeoutSeconds, handlers);
  }

  private async listPaged(): Promise<Listing<T>> {
    const limit = this.pageSize;
    const operation = this.endpoint.listOperation;
    const items: T[] = [];
    let resourceVersion = '';
    let token: string | undefined;
    do {
      const page = await this.call(operation, (options) => this.endpoint.listPage({ limit, _continue: token }, options));
      for (const item of page.items) items.push(this.endpoint.convert(item));
      resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
      token = page.metadata?._continue || page.metadata?.continue || undefined;
    } while (token);
    return { items, resourceVersion };
  }
}
