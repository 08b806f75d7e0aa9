import { toGoString } from '../kubelet/go-url.js';
import { parseImageReference } from '../kubelet/image-reference.js';
import { quoteName } from '../text/json-text.js';
import { ValidationError } from '../../errors.js';
import {
  buildKeyring,
  lookupKeyring,
  readDockerConfigAsKubelet,
  readPullSecretAsKubelet,
  remembered,
  type KubeletCredential,
  type PullSecretReading,
} from '../kubelet/kubelet-keyring.js';
import type { ImageMatch, MatchResult } from './match-schemas.js';
import { matchKeyring, type MatchKeyring, type SourcedCredential } from './match-keyring.js';
import { credentialWarnings, keyWarnings, nearMisses, origin, prefixWarnings } from './match-warnings.js';
import { redactUserinfo } from '../text/redact-userinfo.js';
import type { RegistryCredential } from '../docker-config/credential-schemas.js';

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

/**
 * Registry entries one match may weigh, every listing of a secret counted (the kubelet adds a secret's
 * entries each time it is named). Bounds the keyring and the answer: each image lists its entries.
 */
export const MAX_MATCH_ENTRIES = 100;

/** Where the credentials come from: a Pod's secrets in order (`field` names them in errors), a Docker config, or credentials regcred would write. */
export type CredentialSources =
  | { secrets: ReadonlyArray<PullSecretSource | MissingPullSecret>; field?: string }
  | { dockerConfig: unknown }
  | { registries: readonly RegistryCredential[] };

const EVERY_PULL_FAILS = 'the kubelet fails every image pull of the Pod';

/** Longest stretch a match computes before it lets other requests (and /healthz) run. */
export const MATCH_SLICE_MS = 20;

/**
 * For each image, the credentials the kubelet would hand the container runtime, in the order it
 * tries them, following pkg/credentialprovider exactly; plus what is likely to surprise. Pure: the
 * caller reads the secrets. Passwords never appear in the result.
 * @throws ValidationError when the secrets hold more than MAX_MATCH_ENTRIES registry entries
 */
export function matchImages(images: readonly string[], sources: CredentialSources): MatchResult {
  const plan = planMatch(sources);
  return plan.answer(images.map(plan.match));
}

/** matchImages, handing the event loop back every MATCH_SLICE_MS between images: what the HTTP routes run. */
export async function matchImagesInTurns(images: readonly string[], sources: CredentialSources): Promise<MatchResult> {
  const plan = planMatch(sources);
  const matched: ImageMatch[] = [];
  let sliceStart = performance.now();
  for (const image of images) {
    matched.push(plan.match(image));
    if (performance.now() - sliceStart > MATCH_SLICE_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
  return plan.answer(matched);
}

interface MatchPlan {
  /** One image's answer; each distinct image is worked out once. */
  match: (image: string) => ImageMatch;
  answer: (images: ImageMatch[]) => MatchResult;
}

function planMatch(sources: CredentialSources): MatchPlan {
  const { credentials: found, warnings, failure } = collectCredentials(sources);
  const credentials = found.map((c): SourcedCredential => ({ ...c, shown: redactUserinfo(c.server) }));
  const built = buildKeyring(credentials);
  const { dropped } = built;
  const keyring = matchKeyring(built.keyring);
  for (const { entry, error } of dropped) {
    // Go releases since October 2025 (1.24.8, 1.25.2) refuse brackets in a host except around an IPv6 address.
    const brackets = entry.server.includes('[') ? '; Go accepts "[...]" in a host only around an IPv6 address' : '';
    // Go's reason can quote part of the server ("invalid port"), so none is given for one with userinfo.
    const why = entry.shown === entry.server ? ` (${error}${brackets})` : '';
    warnings.push(`${origin(entry.secret)}: the kubelet ignores server ${quoteName(entry.shown)}, which Go cannot parse as a URL${why}`);
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
    match: remembered((image) => matchImage(image, keyring, failure)),
    answer: (images) => ({
      images,
      warnings,
      failsAllPulls: failure !== undefined,
      keys: keyring.index.map((key) => ({
        key: keyring.shown(key).text,
        entries: keyring.creds.get(key)!.map(({ secret, shown }) => ({ ...(secret !== undefined && { secret }), server: shown })),
      })),
    }),
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
  // A secret named again is read again by the kubelet, but its content is the same: decode it once.
  const readings = new Map<string, PullSecretReading>();
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
    // Past the entries still allowed, the secret is refused before any entry of it is decoded.
    const reading = readings.get(secret.name) ?? readPullSecretAsKubelet(secret.type, secret.data, MAX_MATCH_ENTRIES - credentials.length);
    if (reading.kind === 'too-many') throw tooManyEntries(sources.field ?? 'secrets');
    readings.set(secret.name, reading);
    if (reading.kind === 'ignored') warnings.push(`${name} is ignored by the kubelet: ${reading.reason}`);
    if (reading.kind === 'fails') warnings.push(`the kubelet cannot decode ${name} (${reading.reason}), so ${EVERY_PULL_FAILS}`);
    if (reading.kind === 'fails') failure ??= `${name} cannot be decoded`;
    if (reading.kind === 'credentials' && reading.credentials.length === 0) {
      warnings.push(`${name} lists no registries, so it adds no credentials`);
    }
    if (reading.kind === 'credentials') credentials.push(...reading.credentials.map((c) => ({ ...c, secret: secret.name })));
    if (credentials.length > MAX_MATCH_ENTRIES) throw tooManyEntries(sources.field ?? 'secrets');
  }
  return { credentials, warnings, failure };
}

function matchImage(image: string, keyring: MatchKeyring, failure: string | undefined): ImageMatch {
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
  // A key's prefix note depends on the key and the image only: worked out once per key, not per entry.
  const prefixNotes = remembered((key) => prefixWarnings(key, repository, keyring));
  const warnings = hits.flatMap((hit) => [...credentialWarnings(hit.entry), ...prefixNotes(hit.key)]);
  if (found?.rule === 'docker-hub-default' && domain !== 'docker.io') {
    warnings.push(
      `the kubelet sends the Docker Hub credentials to ${quoteName(domain)}: it takes any registry name without "." or ":" for Docker Hub`,
    );
  }
  if (found?.rule !== 'match') warnings.push(...nearMisses(keyring, repository));
  const entries = hits.map(({ key, entry }): ImageMatch['entries'][number] => {
    const shown = { server: entry.shown, matchedKey: keyring.shown(toGoString(key)).text, username: entry.username, rule: found!.rule };
    return entry.secret === undefined ? shown : { secret: entry.secret, ...shown };
  });
  return { image, repository, entries, anonymous: entries.length === 0, warnings: [...new Set(warnings)] };
}

function tooManyEntries(field: string): ValidationError {
  const message = `the pull secrets hold more than ${MAX_MATCH_ENTRIES} registry entries (a secret named twice counts twice); a match weighs at most ${MAX_MATCH_ENTRIES}`;
  return new ValidationError(`the request names too many credentials: ${message}`, [{ path: field, code: 'too_big', message }]);
}
