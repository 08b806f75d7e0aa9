import { fromGoString } from './go-url.js';
import { parseImageReference } from './image-reference.js';
import { quoteName } from './json-text.js';
import {
  buildKeyring,
  lookupKeyring,
  readDockerConfigAsKubelet,
  readPullSecretAsKubelet,
  type Keyring,
  type KubeletCredential,
} from './kubelet-keyring.js';
import type { ImageMatch, MatchResult } from './match-schemas.js';
import { hitWarnings, keyWarnings, nearMisses, origin } from './match-warnings.js';
import type { RegistryCredential } from './schemas.js';
import { REDACTED } from './view-schemas.js';

/** A Secret named in a Pod's imagePullSecrets, as the cluster returns it (`data` base64). */
export interface PullSecretSource {
  name: string;
  type: string;
  data: Record<string, string>;
}
export interface MissingPullSecret {
  name: string;
  missing: true;
}

/** Where the credentials come from: a Pod's secrets in order, a Docker config, or credentials regcred would write. */
export type CredentialSources =
  | { secrets: ReadonlyArray<PullSecretSource | MissingPullSecret> }
  | { dockerConfig: unknown }
  | { registries: readonly RegistryCredential[] };

export interface SourcedCredential extends KubeletCredential {
  /** Absent for credentials given in the request. */
  secret?: string;
  /** The server as shown: verbatim but for a password in its userinfo. */
  shown: string;
}

const EVERY_PULL_FAILS = 'the kubelet fails every image pull of the Pod';

/**
 * For each image, the credentials the kubelet would hand the container runtime, in the order it
 * tries them, following pkg/credentialprovider exactly; plus what is likely to surprise. Pure: the
 * caller reads the secrets. Passwords never appear in the result.
 */
export function matchImages(images: readonly string[], sources: CredentialSources): MatchResult {
  const { credentials: found, warnings, failure } = collectCredentials(sources);
  const credentials = found.map((c): SourcedCredential => ({ ...c, shown: withoutPassword(c.server) }));
  const { keyring, dropped } = buildKeyring(credentials);
  for (const { entry, error } of dropped) {
    // Go releases since October 2025 (1.24.8, 1.25.2) refuse brackets in a host except around an IPv6 address.
    const brackets = entry.server.includes('[') ? '; Go accepts "[...]" in a host only around an IPv6 address' : '';
    warnings.push(
      `${origin(entry.secret)}: the kubelet ignores server ${quoteName(entry.shown)}, which Go cannot parse as a URL (${error}${brackets})`,
    );
  }
  for (const { secret, server, shown } of credentials) {
    if (/^https?:\/\//i.test(server) && !/^https?:\/\//.test(server)) {
      warnings.push(
        `${origin(secret)}: server ${quoteName(shown)} gets "https://" put in front, since the kubelet looks for a lower-case scheme`,
      );
    }
  }
  warnings.push(...keyWarnings(keyring));
  if (credentials.length === 0 && !failure) warnings.push('there are no registry credentials: every image is pulled without any');
  return {
    images: images.map((image) => matchImage(image, keyring, failure)),
    warnings,
    failsAllPulls: failure !== undefined,
    keys: keyring.index.map((key) => ({
      key: fromGoString(key),
      entries: keyring.creds.get(key)!.map(({ secret, shown }) => ({ ...(secret !== undefined && { secret }), server: shown })),
    })),
  };
}

type Collected = { credentials: Array<KubeletCredential & { secret?: string }>; warnings: string[]; failure?: string };

function collectCredentials(sources: CredentialSources): Collected {
  if ('registries' in sources) {
    return {
      credentials: sources.registries.map((r) => ({ server: r.server, username: r.username, hasPassword: r.password !== '' })),
      warnings: [],
    };
  }
  if ('dockerConfig' in sources) {
    const reading = readDockerConfigAsKubelet(sources.dockerConfig, 'config.json');
    if (reading.kind !== 'fails') return { credentials: reading.kind === 'credentials' ? reading.credentials : [], warnings: [] };
    return {
      credentials: [],
      warnings: [`the kubelet cannot decode this Docker config (${reading.reason}); in a pull secret, ${EVERY_PULL_FAILS}`],
      failure: 'the Docker config cannot be decoded',
    };
  }
  const credentials: Collected['credentials'] = [];
  const warnings: string[] = [];
  let failure: string | undefined;
  const seen = new Set<string>();
  for (const secret of sources.secrets) {
    const name = `secret ${quoteName(secret.name)}`;
    if (seen.has(secret.name)) {
      warnings.push(`${name} is listed more than once: the kubelet reads it each time, so its credentials are tried again`);
    }
    seen.add(secret.name);
    if ('missing' in secret) {
      warnings.push(`${name} does not exist: the kubelet reports FailedToRetrieveImagePullSecret and pulls without it`);
      continue;
    }
    const reading = readPullSecretAsKubelet(secret.type, secret.data);
    if (reading.kind === 'ignored') warnings.push(`${name} is ignored by the kubelet: ${reading.reason}`);
    if (reading.kind === 'fails') warnings.push(`the kubelet cannot decode ${name} (${reading.reason}), so ${EVERY_PULL_FAILS}`);
    if (reading.kind === 'fails') failure ??= `${name} cannot be decoded`;
    if (reading.kind === 'credentials' && reading.credentials.length === 0) {
      warnings.push(`${name} lists no registries, so it adds no credentials`);
    }
    if (reading.kind === 'credentials') credentials.push(...reading.credentials.map((c) => ({ ...c, secret: secret.name })));
  }
  return { credentials, warnings, failure };
}

function matchImage(image: string, keyring: Keyring<SourcedCredential>, failure: string | undefined): ImageMatch {
  const reference = parseImageReference(image);
  if (!reference.ok)
    return {
      image,
      invalid: reference.error,
      entries: [],
      anonymous: false,
      warnings: ['the kubelet does not pull it (InvalidImageName)'],
    };
  const { repository, domain } = reference;
  if (failure)
    return {
      image,
      repository,
      entries: [],
      anonymous: false,
      warnings: [`${failure}, so the kubelet fails this pull before it picks credentials`],
    };

  const found = lookupKeyring(keyring, repository);
  const hits = found?.hits ?? [];
  const warnings = hits.flatMap((hit) => hitWarnings(hit, repository));
  if (found?.rule === 'docker-hub-default' && domain !== 'docker.io') {
    warnings.push(
      `the kubelet sends the Docker Hub credentials to ${quoteName(domain)}: it takes any registry name without "." or ":" for Docker Hub`,
    );
  }
  if (found?.rule !== 'match') warnings.push(...nearMisses(keyring, repository));
  const entries = hits.map(({ key, entry }) => ({
    ...(entry.secret !== undefined && { secret: entry.secret }),
    server: entry.shown,
    matchedKey: key,
    username: entry.username,
    rule: found!.rule,
  }));
  return { image, repository, entries, anonymous: entries.length === 0, warnings: [...new Set(warnings)] };
}

/** A server with any password in its userinfo ("user:pw@host", which Go accepts) replaced. */
function withoutPassword(server: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(server)?.[0] ?? '';
  const rest = server.slice(scheme.length);
  const end = rest.search(/[/?#]/);
  const at = (end < 0 ? rest : rest.slice(0, end)).lastIndexOf('@');
  const colon = rest.indexOf(':');
  return at < 0 || colon < 0 || colon > at ? server : `${scheme}${rest.slice(0, colon + 1)}${REDACTED}${rest.slice(at)}`;
}
