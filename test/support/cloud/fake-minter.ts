import { randomBytes } from 'node:crypto';
import {
  ACR_USERNAME,
  CloudMintError,
  GOOGLE_USERNAME,
  cloudSourceKey,
  providerOf,
  type CloudMinter,
  type CloudSource,
  type MintedCredential,
} from '../../../src/domain/credentials/cloud-source.js';

/**
 * An in-process stand-in for the clouds, for the controller's own tests (the SDK adapters are tested
 * against wire-level fakes in test/cloud/): tokens with lifetimes of seconds, every call recorded,
 * failures on demand. Each token carries the canary, so a leak anywhere shows.
 */
export class FakeMinter implements CloudMinter {
  readonly calls: { key: string; at: number }[] = [];
  readonly minted: string[] = [];
  lifetimeMs = 4_000;
  private failing = 0;

  constructor(private readonly canary: string) {}

  /** The next `n` mints fail (with words that carry no token). */
  failNext(n: number): void {
    this.failing = n;
  }

  mintsFor(source: CloudSource): number {
    const key = cloudSourceKey(source);
    return this.calls.filter((c) => c.key === key).length;
  }

  async mint(source: CloudSource): Promise<MintedCredential> {
    this.calls.push({ key: cloudSourceKey(source), at: Date.now() });
    if (this.failing > 0) {
      this.failing--;
      throw new CloudMintError(providerOf(source), `${providerOf(source)}: AccessDeniedException (HTTP 403): the identity may not mint`);
    }
    const password = `${this.canary}-${this.minted.length}-${randomBytes(6).toString('hex')}`;
    this.minted.push(password);
    const issuedAt = new Date();
    return { registries: registriesOf(source, password), issuedAt, expiresAt: new Date(issuedAt.getTime() + this.lifetimeMs) };
  }
}

function registriesOf(source: CloudSource, password: string): MintedCredential['registries'] {
  if ('ecr' in source)
    return source.ecr.registryIds.map((id) => ({ server: `${id}.dkr.ecr.${source.ecr.region}.amazonaws.com`, username: 'AWS', password }));
  if ('googleArtifactRegistry' in source)
    return source.googleArtifactRegistry.hosts.map((server) => ({ server, username: GOOGLE_USERNAME, password }));
  return source.acr.hosts.map((server) => ({ server, username: ACR_USERNAME, password }));
}
