import { createHash, hash, timingSafeEqual } from 'node:crypto';
import { parse } from 'yaml';
import { z } from 'zod';
import type { Caller } from './access-policy.js';

const tokenEntrySchema = z
  .strictObject({
    caller: z.string().regex(/^[A-Za-z0-9._@:-]{1,128}$/, 'must be 1-128 letters, digits or . _ @ : -'),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/i, 'must be the hex SHA-256 of the token (64 hex digits)')
      .optional(),
    token: z.string().min(16, 'must be at least 16 characters').optional(),
    namespaces: z.array(z.string().regex(/^[a-z0-9*-]{1,63}$/, 'must be a namespace name or a glob such as team-*')).min(1),
  })
  .refine((e) => Boolean(e.sha256) !== Boolean(e.token), 'give exactly one of sha256 (preferred) or token');

const tokensFileSchema = z.union([
  z.array(tokenEntrySchema),
  z.strictObject({ tokens: z.array(tokenEntrySchema) }).transform((f) => f.tokens),
]);

/** One caller's token, as its SHA-256 digest: plain tokens are hashed as soon as they are read. */
export interface TokenEntry {
  caller: string;
  digest: Buffer;
  namespaces: readonly string[];
}

export class TokensFileError extends Error {}

/**
 * Parses a tokens file (YAML or JSON): a list of `{ caller, sha256 | token, namespaces: [globs] }`,
 * or `{ tokens: [...] }`. Messages name entries and fields, never a token. @throws TokensFileError
 */
export function parseTokensFile(text: string): TokenEntry[] {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch {
    throw new TokensFileError('is neither valid YAML nor JSON');
  }
  const parsed = tokensFileSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(top level)'}: ${i.message}`);
    throw new TokensFileError(`is not a list of { caller, sha256 | token, namespaces }:\n${lines.join('\n')}`);
  }
  return parsed.data.map((e) => ({
    caller: e.caller,
    digest: e.sha256 ? Buffer.from(e.sha256, 'hex') : sha256(e.token!),
    namespaces: Object.freeze([...e.namespaces]),
  }));
}

/** The hex SHA-256 of a token, as a tokens file's `sha256` field holds it. */
export function tokenSha256Hex(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

function sha256(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/**
 * A bearer token as a request presents it, hashed once for every lookup that keys on its digest (the
 * failed-authentication screen, the token entries, the TokenReview cache).
 */
export class PresentedToken {
  /** The digest in hex: a map key for the places that remember tokens without holding them. */
  readonly sha256Hex: string;

  constructor(readonly value: string) {
    // The one-shot hash: a Hash object per request cost five times as much.
    this.sha256Hex = hash('sha256', value, 'hex');
  }

  get sha256(): Buffer {
    return Buffer.from(this.sha256Hex, 'hex');
  }

  // Should one ever reach a log line or an answer, it shows no token.
  toJSON(): string {
    return '[REDACTED]';
  }
}

/**
 * The caller a bearer token belongs to, or undefined. Every entry is compared, in constant time
 * on digests, so the time taken says nothing about which (or whether an) entry matched.
 */
export function findTokenCaller(entries: readonly TokenEntry[], token: PresentedToken): Caller | undefined {
  const digest = token.sha256;
  let found: TokenEntry | undefined;
  for (const entry of entries) {
    if (timingSafeEqual(entry.digest, digest) && !found) found = entry;
  }
  return found ? { name: found.caller, namespaces: found.namespaces } : undefined;
}
