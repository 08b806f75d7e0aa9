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
