import { UnavailableError } from '../errors.js';
import { ContinueTokenError } from './cluster.js';

/** A page of a cluster listing: whatever it holds, and the token of the next page when more follow. */
export interface ListedPage {
  continue?: string;
}

/**
 * Every page of a listing regcred pages through on its own (the caller sent no `continue`), keeping of
 * each only what `pick` returns. A continue token can expire part-way (410 Gone once the API server
 * compacts past the listing's start): the listing is then read again from the beginning, once, as the
 * watch's list does. A second expiry means the cluster changes faster than it can be read whole just
 * now: a 503 to retry, naming no field, as the token was never the caller's.
 * @throws UnavailableError on a second expired token; whatever else `listPage` throws
 */
export function readWholeListing<P extends ListedPage, T>(
  what: string,
  listPage: (continueToken: string | undefined) => Promise<P>,
  pick: (page: P) => readonly T[],
): Promise<T[]> {
  return readRestartingOnce(what, () => readPages(listPage, pick));
}

/**
 * `read`, and when a continue token it got itself expired part-way (`ownTokenExpired`), `read` again
 * from its start, once; a second expiry is a 503 to retry, naming no field.
 * @throws UnavailableError on a second expiry; whatever else `read` throws
 */
export async function readRestartingOnce<T>(
  what: string,
  read: () => Promise<T>,
  ownTokenExpired: (error: unknown) => boolean = (error) => error instanceof ContinueTokenError,
): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (!ownTokenExpired(error)) throw error;
  }
  try {
    return await read();
  } catch (error) {
    if (!ownTokenExpired(error)) throw error;
    throw new UnavailableError(`the ${what} changed faster than they could be listed (twice); retry the request`);
  }
}

async function readPages<P extends ListedPage, T>(
  listPage: (continueToken: string | undefined) => Promise<P>,
  pick: (page: P) => readonly T[],
): Promise<T[]> {
  const kept: T[] = [];
  let next: string | undefined;
  do {
    const page = await listPage(next);
    for (const item of pick(page)) kept.push(item);
    next = page.continue;
  } while (next);
  return kept;
}
