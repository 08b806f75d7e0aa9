import { ContinueTokenError } from '../../domain/cluster.js';

// The embedded cluster's continue tokens: like the API server's, opaque to callers, and a page starts after the last name handed out.

export function continueTokenAfter(name: string): string {
  return Buffer.from(JSON.stringify({ after: name }), 'utf8').toString('base64url');
}

/** @throws ContinueTokenError for anything continueTokenAfter did not make */
export function nameInContinueToken(token: string): string {
  try {
    const { after } = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof after === 'string') return after;
  } catch {
    // Not one of ours.
  }
  throw new ContinueTokenError(false);
}

/**
 * One page of `sorted` (by name), as the API server pages a list: at most `limit` items (at least one)
 * after the name the token names, and a token when more follow. @throws ContinueTokenError
 */
export function pageAfter<T extends { name: string }>(
  sorted: readonly T[],
  options: { limit: number; continue?: string },
): { items: T[]; continue?: string } {
  const after = options.continue === undefined ? undefined : nameInContinueToken(options.continue);
  const rest = after === undefined ? sorted : sorted.filter((item) => item.name > after);
  const items = rest.slice(0, Math.max(1, options.limit));
  return rest.length > items.length ? { items, continue: continueTokenAfter(items.at(-1)!.name) } : { items };
}
