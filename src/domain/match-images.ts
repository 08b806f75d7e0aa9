import { goFilepathMatch } from './go-filepath-match.js';
import { fromGoString, toGoString } from './go-url.js';
import { parseImageReference } from './image-reference.js';
import { quoteName } from './json-text.js';
import {
  buildKeyring,
  lookupKeyring,
  readDockerConfigAsKubelet,
  readPullSecretAsKubelet,
  splitSchemelessUrl,
  type Keyring,
  type KeyringHit,
  type KubeletCredential,
} from './kubelet-keyring.js';
import type { ImageMatch, MatchResult } from './match-schemas.js';
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

interface SourcedCredential extends KubeletCredential {
  /** Absent for credentials given in the request. */
  secret?: string;
  /** The server as shown: verbatim but for a password in its userinfo. */
  shown: string;
}

const EVERY_PULL_FAILS = 'the kubelet fails every image pull of the Pod';
const GLOB = /[*?[\\]/;
const DOMAIN_LABEL = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;

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

function hitWarnings({ key, entry }: KeyringHit<SourcedCredential>, repository: string): string[] {
  const warnings: string[] = [];
  if (entry.username === '' && !entry.hasPassword) {
    warnings.push(`${origin(entry.secret)} holds no credentials for ${quoteName(entry.shown)}: the runtime tries it as an anonymous pull`);
  } else if (!entry.hasPassword) {
    warnings.push(
      `${origin(entry.secret)} holds a username but no password for ${quoteName(entry.shown)}: the registry will likely refuse it`,
    );
  }
  const keyUrl = splitSchemelessUrl(toGoString(key));
  const imageUrl = splitSchemelessUrl(toGoString(repository));
  if (keyUrl.ok && imageUrl.ok) {
    const [prefix, path] = [keyUrl.url.path, imageUrl.url.path];
    if (prefix !== '' && !prefix.endsWith('/') && path.length > prefix.length && path[prefix.length] !== '/') {
      warnings.push(
        `key ${quoteName(key)} matches only because the kubelet compares paths as plain prefixes: ${quoteName(fromGoString(prefix))} begins ${quoteName(fromGoString(path))} but does not end at a "/"`,
      );
    }
  }
  return warnings;
}

/** Keys for this image's registry that still do not apply, and why: the usual cause of an unexpected anonymous pull. */
function nearMisses(keyring: Keyring<SourcedCredential>, repository: string): string[] {
  const image = splitSchemelessUrl(toGoString(repository));
  if (!image.ok) return [];
  const imageHost = image.url.labels.join('.');
  return keyring.index.flatMap((key) => {
    const url = splitSchemelessUrl(key);
    const host = url.ok ? url.url.labels.join('.') : '';
    if (!url.ok || GLOB.test(host) || host.toLowerCase() !== imageHost.toLowerCase()) return [];
    const portOf = (port: string) => (port ? `port ${port}` : 'no port');
    const why =
      host !== imageHost
        ? `differs in case from the image's registry ${quoteName(fromGoString(imageHost))} (the kubelet compares case-sensitively)`
        : url.url.port !== image.url.port
          ? `names ${portOf(url.url.port)} and the image ${portOf(image.url.port)}`
          : `covers only image paths starting with ${quoteName(fromGoString(url.url.path))}`;
    return [`key ${quoteName(fromGoString(key))} does not apply: it ${why}`];
  });
}

function keyWarnings(keyring: Keyring<SourcedCredential>): string[] {
  return keyring.index.flatMap((key) => {
    const entries = keyring.creds.get(key)!;
    const label = `key ${quoteName(fromGoString(key))}`;
    const warnings = keyProblems(key).map((problem) => `${label} ${problem}`);
    const origins = [...new Set(entries.map((e) => e.secret))];
    if (origins.length > 1) {
      warnings.push(
        `${label} is held by ${origins.map(origin).join(' and ')}: for an image it matches, the kubelet returns them all in this order and the runtime uses the first the registry accepts`,
      );
    }
    for (const source of origins) {
      const servers = entries.filter((e) => e.secret === source).map((e) => quoteName(e.shown));
      if (servers.length > 1) {
        warnings.push(
          `${origin(source)} lists ${servers.join(', ')}, which the kubelet files under the same ${label}; it reads them in random order`,
        );
      }
    }
    return warnings;
  });
}

/** Why a key (a Go string) can never match, or matches less than it seems to; empty when it is fine. */
function keyProblems(key: string): string[] {
  const url = splitSchemelessUrl(key);
  if (!url.ok) return [`can never match: the kubelet cannot parse it again (${url.error})`];
  const { labels, port, path } = url.url;
  const host = fromGoString(labels.join('.'));
  const badGlob = labels.find((label) => goFilepathMatch(label, '') === 'bad-pattern');
  if (badGlob !== undefined) return [`can never match: ${quoteName(fromGoString(badGlob))} is not a valid pattern (Go's filepath.Match)`];
  if (host === '') return ['can never match: it has no host'];
  const literal = !GLOB.test(host) && !host.includes(':');
  if (literal && !labels.every((label) => DOMAIN_LABEL.test(label))) return ['can never match: its host is not one an image name can have'];
  if (literal && labels.length === 1 && port === '' && host !== 'localhost' && host === host.toLowerCase()) {
    return ['can never match: in image names, a registry without "." or ":" can only be "localhost" (others are Docker Hub namespaces)'];
  }
  if (/[^a-z0-9._/-]/.test(path) || path.includes('//'))
    return ['can never match: no image path looks like its path (image paths are lower-case, without empty parts)'];
  if (host === 'index.docker.io' && path !== '')
    return ['can never match: Docker Hub images are named docker.io/..., and the Docker Hub fallback uses only the key "index.docker.io"'];
  const problems: string[] = [];
  if (host !== host.toLowerCase())
    problems.push(
      'has upper-case letters: the kubelet compares hosts case-sensitively, so it matches only images that spell the host the same way',
    );
  if (port === '443' || port === '80')
    problems.push(`matches only images that spell the port, like ${host}:${port}/app; ${host}/app does not match`);
  if (host === 'registry-1.docker.io')
    problems.push(
      'matches only images written registry-1.docker.io/...; Docker Hub images are named docker.io/..., so use https://index.docker.io/v1/',
    );
  if (path === '/v1' || path === '/v2')
    problems.push(
      `keeps its path ${quoteName(path)} (only "/v1/" and "/v2/" with the slash are cut), so it matches only images under ${host}${path}`,
    );
  return problems;
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

function origin(secret: string | undefined): string {
  return secret === undefined ? 'the request' : `secret ${quoteName(secret)}`;
}
