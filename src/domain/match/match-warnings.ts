import { goFilepathMatch } from '../kubelet/go-filepath-match.js';
import { fromGoString, toGoString } from '../kubelet/go-url.js';
import { quoteName } from '../text/json-text.js';
import { splitSchemelessUrl } from '../kubelet/kubelet-keyring.js';
import type { MatchKeyring, SourcedCredential } from './match-keyring.js';

// What the match simulator says beyond the kubelet's answer: why a key applies or not, and what will surprise.

const GLOB = /[*?[\\]/;
const READ_FROM_USERINFO =
  'holds part of its server\'s userinfo: a "/", "?" or "#" in it ends Go\'s authority early, so the kubelet files the entry under this key, not under the registry after the "@"';

const DOMAIN_LABEL = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;

/** What is odd about one credential the kubelet hands over: no password, or nothing at all. */
export function credentialWarnings(entry: SourcedCredential): string[] {
  if (entry.username === '' && !entry.hasPassword) {
    return [`${origin(entry.secret)} holds no credentials for ${quoteName(entry.shown)}: the runtime tries it as an anonymous pull`];
  }
  if (!entry.hasPassword) {
    return [`${origin(entry.secret)} holds a username but no password for ${quoteName(entry.shown)}: the registry will likely refuse it`];
  }
  return [];
}

/** Why a key that matched `repository` matched only by the kubelet's plain prefix comparison, if it did. */
export function prefixWarnings(key: string, repository: string, keyring: Pick<MatchKeyring, 'split' | 'shown'>): string[] {
  const keyUrl = keyring.split(toGoString(key));
  const imageUrl = keyring.split(toGoString(repository));
  if (!keyUrl.ok || !imageUrl.ok) return [];
  const [prefix, path] = [keyUrl.url.path, imageUrl.url.path];
  if (prefix !== '' && !prefix.endsWith('/') && path.length > prefix.length && path[prefix.length] !== '/') {
    const shown = keyring.shown(toGoString(key));
    if (shown.redacted) return [`key ${quoteName(shown.text)} matches only because the kubelet compares paths as plain prefixes`];
    return [
      `key ${quoteName(key)} matches only because the kubelet compares paths as plain prefixes: ${quoteName(fromGoString(prefix))} begins ${quoteName(fromGoString(path))} but does not end at a "/"`,
    ];
  }
  return [];
}

/** Keys for this image's registry that still do not apply, and why: the usual cause of an unexpected anonymous pull. */
export function nearMisses(keyring: MatchKeyring, repository: string): string[] {
  const image = keyring.split(toGoString(repository));
  if (!image.ok) return [];
  const imageHost = image.url.labels.join('.');
  return keyring.index.flatMap((key) => {
    const url = keyring.split(key);
    const host = url.ok ? url.url.labels.join('.') : '';
    if (!url.ok || GLOB.test(host) || host.toLowerCase() !== imageHost.toLowerCase()) return [];
    const portOf = (port: string) => (port ? `port ${port}` : 'no port');
    const shown = keyring.shown(key);
    if (shown.redacted) return [`key ${quoteName(shown.text)} does not apply: it ${READ_FROM_USERINFO}`];
    const why =
      host !== imageHost
        ? `differs in case from the image's registry ${quoteName(fromGoString(imageHost))} (the kubelet compares case-sensitively)`
        : url.url.port !== image.url.port
          ? `names ${portOf(url.url.port)} and the image ${portOf(image.url.port)}`
          : `covers only image paths starting with ${quoteName(fromGoString(url.url.path))}`;
    return [`key ${quoteName(shown.text)} does not apply: it ${why}`];
  });
}

export function keyWarnings(keyring: MatchKeyring): string[] {
  return keyring.index.flatMap((key) => {
    const entries = keyring.creds.get(key)!;
    const shown = keyring.shown(key);
    const label = `key ${quoteName(shown.text)}`;
    // keyProblems quotes the key's host, port and path: from userinfo, they stay unsaid.
    const problems = shown.redacted ? [READ_FROM_USERINFO] : keyProblems(key, keyring.split);
    const warnings = problems.map((problem) => `${label} ${problem}`);
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
export function keyProblems(key: string, split = splitSchemelessUrl): string[] {
  const url = split(key);
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

export function origin(secret: string | undefined): string {
  return secret === undefined ? 'the request' : `secret ${quoteName(secret)}`;
}
