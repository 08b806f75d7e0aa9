import { createHash } from 'node:crypto';
import type { SecretObject } from '../kubernetes/secret.js';

/**
 * A Secret as this process last wrote it, without its data: a digest stands for that, so no
 * credentials are kept between requests.
 */
export type WrittenSecret = Omit<SecretObject, 'data'> & { dataDigest: string };

/** Secrets remembered at most; the least recently written is forgotten first. */
export const LAST_WRITES_KEPT = 1000;
// Labels and annotations of one Secret can reach 256 KiB; one that large is not worth keeping.
const LARGEST_KEPT_BYTES = 16 * 1024;

/**
 * What this process last wrote of each Secret (at most LAST_WRITES_KEPT), so the next write of it can
 * be one conditional write instead of a read and a write. A memory is only a guess: the write is
 * conditional on its resourceVersion, and a refusal means "read it again".
 */
export class LastWrites {
  private readonly byKey = new Map<string, WrittenSecret>();

  constructor(private readonly kept = LAST_WRITES_KEPT) {}

  recall(key: string): WrittenSecret | undefined {
    return this.byKey.get(key);
  }

  remember(key: string, secret: SecretObject): void {
    this.byKey.delete(key);
    if (!secret.resourceVersion || metadataBytes(secret) > LARGEST_KEPT_BYTES) return;
    const { data, ...metadata } = secret;
    this.byKey.set(key, { ...metadata, dataDigest: dataDigest(data) });
    if (this.byKey.size > this.kept) this.byKey.delete(this.byKey.keys().next().value!);
  }

  forget(key: string): void {
    this.byKey.delete(key);
  }
}

/** A digest of a Secret's data, keys in order, so equal data gives equal digests. */
export function dataDigest(data: Readonly<Record<string, string>>): string {
  const hash = createHash('sha256');
  for (const key of Object.keys(data).sort()) hash.update(key).update('\0').update(data[key]!).update('\0');
  return hash.digest('base64');
}

function metadataBytes(secret: SecretObject): number {
  let bytes = 0;
  for (const map of [secret.labels, secret.annotations]) for (const [k, v] of Object.entries(map)) bytes += k.length + v.length;
  return bytes;
}
