// The kubelet's BasicDockerKeyring (kubernetes/kubernetes pkg/credentialprovider/keyring.go):
// how it files registry entries under keys, and which entries it hands the container runtime for
// an image. Keys and images are compared as Go compares them, byte by byte.

import { goFilepathMatch } from './go-filepath-match.js';
import { fromGoString, parseGoUrl, splitGoHostPort, toGoString } from './go-url.js';

/** The key of Docker Hub credentials ("https://index.docker.io/v1/"), which serve Docker Hub images no key matched. */
export const DOCKER_HUB_KEY = 'index.docker.io';

export type KeyOutcome = { ok: true; key: string } | { ok: false; error: string };

/**
 * The key the kubelet files a config entry's server under: "https://" is prefixed unless the server
 * has http(s)://, Go's url.Parse reads it (an error drops the entry), a leading /v1/ or /v2/ is cut
 * to "/", and the key is host[:port] plus the path unless that is "" or "/".
 */
export function kubeletKeyOf(server: string): KeyOutcome {
  const key = goKeyOf(toGoString(server));
  return key.ok ? { ok: true, key: fromGoString(key.key) } : key;
}

function goKeyOf(server: string): KeyOutcome {
  const parsed = parseGoUrl(server.startsWith('https://') || server.startsWith('http://') ? server : `https://${server}`);
  if (!parsed.ok) return parsed;
  const { host, path } = parsed.url;
  // Go keeps what follows "/v1": "/v1/team" becomes "/team", "/v1/" becomes "/".
  const effective = path.startsWith('/v2/') || path.startsWith('/v1/') ? path.slice(3) : path;
  return { ok: true, key: effective !== '' && effective !== '/' ? host + effective : host };
}

export interface Keyring<T> {
  /** The keys (Go strings) in the order the kubelet tries them: de-duplicated, in reverse byte order. */
  readonly index: readonly string[];
  /** The entries under each key, in the order they were added. */
  readonly creds: ReadonlyMap<string, readonly T[]>;
  /** splitSchemelessUrl, remembering each answer: every key and image is parsed once however often it is compared. */
  readonly split: (goString: string) => SchemelessUrlResult;
}

export interface KeyringBuild<T> {
  keyring: Keyring<T>;
  /** Entries whose server Go's url.Parse refuses: the kubelet logs and ignores them. */
  dropped: Array<{ entry: T; error: string }>;
}

/** BasicDockerKeyring.Add for `entries` in order: the Pod's secrets in order, each secret's entries in turn. */
export function buildKeyring<T extends { server: string }>(entries: readonly T[]): KeyringBuild<T> {
  const creds = new Map<string, T[]>();
  const dropped: KeyringBuild<T>['dropped'] = [];
  const keyOf = remembered((server: string) => goKeyOf(toGoString(server)));
  for (const entry of entries) {
    const key = keyOf(entry.server);
    if (!key.ok) dropped.push({ entry, error: key.error });
    else if (creds.has(key.key)) creds.get(key.key)!.push(entry);
    else creds.set(key.key, [entry]);
  }
  // sort.Strings then reversed: more specific paths ("quay.io/team") before their hosts ("quay.io").
  const index = [...creds.keys()].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
  return { keyring: { index, creds, split: remembered(splitSchemelessUrl) }, dropped };
}

/** `parse` answering each distinct input once: one request's keys and images repeat, the work need not. */
export function remembered<R>(parse: (text: string) => R): (text: string) => R {
  const answers = new Map<string, R>();
  return (text) => {
    if (!answers.has(text)) answers.set(text, parse(text));
    return answers.get(text)!;
  };
}

export interface KeyringHit<T> {
  /** The key that matched, as text. */
  key: string;
  entry: T;
}

export interface KeyringLookup<T> {
  /** `match`: keys matched the image; `docker-hub-default`: none did, and Docker Hub credentials apply. */
  rule: 'match' | 'docker-hub-default';
  /** Every entry the kubelet returns, in the order the runtime tries them (the first that works wins). */
  hits: KeyringHit<T>[];
}

/** BasicDockerKeyring.Lookup: undefined when the kubelet has no credentials from these entries for `image`. */
export function lookupKeyring<T>(keyring: Keyring<T>, image: string): KeyringLookup<T> | undefined {
  const target = toGoString(image);
  const hitsUnder = (key: string) => {
    const text = fromGoString(key);
    return (keyring.creds.get(key) ?? []).map((entry) => ({ key: text, entry }));
  };
  const hits = keyring.index.filter((key) => goUrlsMatch(key, target, keyring.split).matched).flatMap(hitsUnder);
  if (hits.length > 0) return { rule: 'match', hits };
  if (isDefaultRegistryMatch(image) && keyring.creds.has(DOCKER_HUB_KEY))
    return { rule: 'docker-hub-default', hits: hitsUnder(DOCKER_HUB_KEY) };
  return undefined;
}

/**
 * The kubelet's isDefaultRegistryMatch: whether Docker Hub credentials may serve `image` when no key
 * matched it. Any first element without "." or ":" counts, so "localhost/app" does too.
 */
export function isDefaultRegistryMatch(image: string): boolean {
  const slash = image.indexOf('/');
  const first = slash < 0 ? image : image.slice(0, slash);
  if (first === '') return false;
  if (slash < 0 || first === 'docker.io' || first === DOCKER_HUB_KEY) return true;
  return !/[.:]/.test(first);
}

export interface SchemelessUrl {
  /** The host split at every "." (brackets of an IPv6 address removed). */
  labels: string[];
  /** "" when there is none, or when Go's SplitHostPort fails and the whole host counts as the name. */
  port: string;
  path: string;
}

export type SchemelessUrlResult = { ok: true; url: SchemelessUrl } | { ok: false; error: string };

/** ParseSchemelessURL followed by SplitURL: how the kubelet reads both a key and an image before matching. */
export function splitSchemelessUrl(goString: string): SchemelessUrlResult {
  const parsed = parseGoUrl(`https://${goString}`);
  if (!parsed.ok) return parsed;
  const split = splitGoHostPort(parsed.url.host);
  const { host, port } = 'error' in split ? { host: parsed.url.host, port: '' } : split;
  return { ok: true, url: { labels: host.split('.'), port, path: parsed.url.path } };
}

export interface UrlsMatch {
  matched: boolean;
  /** Why the kubelet could not compare (a URL it cannot parse, a malformed glob): never a match. */
  error?: string;
}

/** URLsMatchStr(glob, target): ports equal, as many labels, each label a filepath.Match, the key's path a prefix. */
export function urlsMatchStr(glob: string, target: string): UrlsMatch {
  return goUrlsMatch(toGoString(glob), toGoString(target));
}

function goUrlsMatch(glob: string, target: string, split = splitSchemelessUrl): UrlsMatch {
  const globUrl = split(glob);
  if (!globUrl.ok) return { matched: false, error: globUrl.error };
  const targetUrl = split(target);
  if (!targetUrl.ok) return { matched: false, error: targetUrl.error };
  const [g, t] = [globUrl.url, targetUrl.url];
  if (g.port !== t.port || g.labels.length !== t.labels.length || !t.path.startsWith(g.path)) return { matched: false };
  for (let i = 0; i < g.labels.length; i++) {
    const outcome = goFilepathMatch(g.labels[i], t.labels[i]);
    if (outcome === 'bad-pattern') return { matched: false, error: `syntax error in pattern ${JSON.stringify(fromGoString(g.labels[i]))}` };
    if (outcome === 'no-match') return { matched: false };
  }
  return { matched: true };
}

export {
  readDockerConfigAsKubelet,
  readPullSecretAsKubelet,
  readPullSecretWithPasswords,
  type KubeletCredential,
  type KubeletPasswordCredential,
  type PullSecretReading,
} from './kubelet-docker-config.js';
