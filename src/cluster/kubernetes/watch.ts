import type { ConfigurationOptions } from '@kubernetes/client-node';
import { WatchExpiredError, type Listing, type Watch, type WatchHandlers, type WatchSource } from '../../domain/watch.js';
import type { ApiCall } from './errors.js';
import type { CallApi } from './service-accounts.js';
import { openWatch, type WatchConnection, type WatchTarget } from './watch-stream.js';

/** Items per page of a list: the API server answers a page at a time, so a big collection never arrives as one body. */
export const LIST_PAGE_SIZE = 500;
/** What a page of items with `sizeOf` may hold, roughly. */
const PAGE_BYTES = 4 * 1024 * 1024;

/** A page as client-node hands it over: typed lists name the token `_continue`, custom objects `continue`. */
export interface ListPage {
  items: unknown[];
  metadata?: { resourceVersion?: string; _continue?: string; continue?: string };
}

export interface CollectionEndpoint<T> extends WatchTarget<T> {
  listOperation: ApiCall;
  /** Roughly how many bytes an item takes (a Secret: its data); with it, pages grow from `pageSize` while items are small. */
  sizeOf?(raw: unknown): number;
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
    /** Pages of items with `sizeOf` grow up to this. */
    private readonly maxPageSize = pageSize,
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
    let limit = this.pageSize;
    const operation = this.endpoint.listOperation;
    const items: T[] = [];
    let resourceVersion = '';
    let token: string | undefined;
    do {
      const page = await this.call(operation, (options) => this.endpoint.listPage({ limit, _continue: token }, options));
      for (const item of page.items) items.push(this.endpoint.convert(item));
      limit = this.nextLimit(page.items, limit);
      resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
      token = page.metadata?._continue || page.metadata?.continue || undefined;
    } while (token);
    return { items, resourceVersion };
  }

  // 50,000 copies of a few hundred bytes each in pages of 20 would be 2,500 requests; pages of up to
  // 500 are 100. The page size follows the largest item seen, so a page stays near PAGE_BYTES.
  private nextLimit(items: unknown[], limit: number): number {
    const { sizeOf } = this.endpoint;
    if (!sizeOf || items.length === 0) return limit;
    const largest = Math.max(...items.map(sizeOf));
    return Math.max(this.pageSize, Math.min(this.maxPageSize, Math.floor(PAGE_BYTES / Math.max(1, largest))));
  }
}
