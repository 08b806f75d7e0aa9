/**
 * A distribution whose credential regcred mints itself, with its own cloud identity, instead of one
 * stored in a Secret. The spec names only what to mint for (accounts, region, hosts, a role to
 * assume): never a Secret, a key or a file.
 */
export const CLOUD_PROVIDERS = ['ecr', 'googleArtifactRegistry', 'acr'] as const;
export type CloudProvider = (typeof CLOUD_PROVIDERS)[number];

export interface EcrSource {
  region: string;
  /** AWS account IDs (12 digits): one registry each, all in one secret. */
  registryIds: string[];
  /** Assumed with the service's own identity first (cross-account). */
  roleArn?: string;
  externalId?: string;
  fips?: boolean;
}

export interface GoogleArtifactRegistrySource {
  /** `<region>-docker.pkg.dev`, `gcr.io`, `<region>.gcr.io`… */
  hosts: string[];
}

export interface AcrSource {
  /** `<name>.azurecr.io`…: the token is exchanged at each host's /oauth2/exchange. */
  hosts: string[];
}

export type CloudSource = { ecr: EcrSource } | { googleArtifactRegistry: GoogleArtifactRegistrySource } | { acr: AcrSource };

/** The usernames kubelet (and the registries) expect beside each provider's token. */
export const GOOGLE_USERNAME = 'oauth2accesstoken';
export const ACR_USERNAME = '00000000-0000-0000-0000-000000000000';

/** One registry's credential as minted: only what kubelet reads (never `identitytoken`). */
export interface MintedRegistry {
  server: string;
  username: string;
  password: string;
}

export interface MintedCredential {
  registries: MintedRegistry[];
  /** When the provider minted it (the start of its lifetime). */
  issuedAt: Date;
  /** When the provider says it stops working (ECR's expiresAt, OAuth expires_in, the ACR token's exp). */
  expiresAt: Date;
}

/**
 * The port to the clouds: mints a credential for a source with the service's own identity.
 * `reusable` says whether a token already minted for this identity would do for the asker (a
 * minter that shares tokens hands one out again only then; one that does not ignores it).
 * @throws CloudMintError with words safe to show (never a token, a key or a raw response body).
 */
export interface CloudMinter {
  mint(source: CloudSource, signal?: AbortSignal, reusable?: (held: MintedCredential) => boolean): Promise<MintedCredential>;
}

/** A mint that failed, said in words safe for status, Events and logs. */
export class CloudMintError extends Error {
  constructor(
    readonly provider: CloudProvider,
    message: string,
  ) {
    super(message);
    this.name = 'CloudMintError';
  }
}

/** The cloud source of a distribution's `spec.source`, if it has one. */
export function cloudSourceOf(source: Partial<Record<CloudProvider, unknown>> | undefined): CloudSource | undefined {
  if (!source) return undefined;
  for (const provider of CLOUD_PROVIDERS) {
    const value = source[provider];
    if (value !== undefined) return { [provider]: value } as CloudSource;
  }
  return undefined;
}

export function providerOf(source: CloudSource): CloudProvider {
  return Object.keys(source)[0] as CloudProvider;
}

/**
 * One string per identity and what it mints for: two distributions with the same key share one mint.
 * Lists are sorted and hosts lower-cased, so the order in a spec does not split the cache.
 */
export function cloudSourceKey(source: CloudSource): string {
  if ('ecr' in source) {
    const { region, registryIds, roleArn, externalId, fips } = source.ecr;
    return JSON.stringify(['ecr', region, [...registryIds].sort(), roleArn ?? '', externalId ?? '', fips === true]);
  }
  if ('googleArtifactRegistry' in source)
    return JSON.stringify(['googleArtifactRegistry', [...source.googleArtifactRegistry.hosts].map((h) => h.toLowerCase()).sort()]);
  return JSON.stringify(['acr', [...source.acr.hosts].map((h) => h.toLowerCase()).sort()]);
}
