// How the kubelet names the repository it looks credentials up for: pkg/util/parsers.ParseImageName,
// which is github.com/distribution/reference's ParseNormalizedNamed followed by Name(). The grammar
// below is that package's, pattern for pattern (its Go regexps and these agree on ASCII input, and
// both refuse everything else).

export type ImageReference =
  | {
      ok: true;
      /** What the kubelet looks up, e.g. docker.io/library/nginx: domain and path, no tag or digest. */
      repository: string;
      domain: string;
      path: string;
      tag?: string;
      digest?: string;
    }
  | { ok: false; /** The kubelet's message (its InvalidImageName event) */ error: string };

const DOCKER_HUB_DOMAIN = 'docker.io';
const LEGACY_DOCKER_HUB_DOMAIN = 'index.docker.io';
const OFFICIAL_REPOSITORY_PREFIX = 'library/';
const MAX_NAME_LENGTH = 255;

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN_AND_PORT = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[(?:[a-fA-F0-9:]+)\\])(?::[0-9]+)?`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const REMOTE_NAME = `${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(`^((?:${DOMAIN_AND_PORT}/)?${REMOTE_NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const NAME = new RegExp(`^(?:(${DOMAIN_AND_PORT})/)?(${REMOTE_NAME})$`);
const IDENTIFIER = /^[a-f0-9]{64}$/;
/** The digest algorithms a kubelet binary has linked in, with their hex lengths (opencontainers/go-digest). */
const DIGEST_HEX_LENGTHS: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

/** Parses an image reference as the kubelet does before it pulls (and before it looks up credentials). */
export function parseImageReference(image: string): ImageReference {
  const problem = (reason: string) => ({ ok: false as const, error: `couldn't parse image name ${JSON.stringify(image)}: ${reason}` });
  if (IDENTIFIER.test(image)) return problem(`invalid repository name (${image}), cannot specify 64-byte hexadecimal strings`);
  const [domain, remainder] = splitDockerDomain(image);
  const colon = remainder.indexOf(':');
  const remote = colon < 0 ? remainder : remainder.slice(0, colon);
  if (remote.toLowerCase() !== remote) return problem(`invalid reference format: repository name (${remote}) must be lowercase`);

  const candidate = `${domain}/${remainder}`;
  const match = REFERENCE.exec(candidate);
  if (!match) {
    return problem(REFERENCE.test(candidate.toLowerCase()) ? 'repository name must be lowercase' : 'invalid reference format');
  }
  const [, name, tag, digest] = match;
  if (name.length > MAX_NAME_LENGTH) return problem(`repository name must not be more than ${MAX_NAME_LENGTH} characters`);
  const digestProblem = digest === undefined ? undefined : checkDigest(digest);
  if (digestProblem) return problem(digestProblem);
  const parts = NAME.exec(name);
  return {
    ok: true,
    repository: name,
    domain: parts?.[1] ?? '',
    path: parts?.[2] ?? name,
    ...(tag !== undefined && { tag }),
    ...(digest !== undefined && { digest }),
  };
}

/**
 * distribution/reference's splitDockerDomain: the first element is a registry when it is
 * "localhost", has a "." or ":", or has an upper-case letter; otherwise the image is on Docker Hub,
 * where a one-element name is an official image under "library/".
 */
function splitDockerDomain(name: string): [string, string] {
  const slash = name.indexOf('/');
  if (slash < 0) return [DOCKER_HUB_DOMAIN, OFFICIAL_REPOSITORY_PREFIX + name];
  const first = name.slice(0, slash);
  let domain = first;
  let remainder = name.slice(slash + 1);
  if (first === LEGACY_DOCKER_HUB_DOMAIN) {
    domain = DOCKER_HUB_DOMAIN;
  } else if (first !== 'localhost' && !/[.:]/.test(first) && first.toLowerCase() === first) {
    domain = DOCKER_HUB_DOMAIN;
    remainder = name;
  }
  if (domain === DOCKER_HUB_DOMAIN && !remainder.includes('/')) remainder = OFFICIAL_REPOSITORY_PREFIX + remainder;
  return [domain, remainder];
}

/** opencontainers/go-digest's Validate for the algorithms the kubelet knows. */
function checkDigest(digest: string): string | undefined {
  const colon = digest.indexOf(':');
  const algorithm = digest.slice(0, colon);
  const encoded = digest.slice(colon + 1);
  if (!Object.hasOwn(DIGEST_HEX_LENGTHS, algorithm)) {
    return /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(digest)
      ? 'unsupported digest algorithm'
      : 'invalid checksum digest format';
  }
  if (encoded.length !== DIGEST_HEX_LENGTHS[algorithm]) return 'invalid checksum digest length';
  return /^[a-f0-9]+$/.test(encoded) ? undefined : 'invalid checksum digest format';
}
