import { z } from 'zod';

/** The keys Docker Hub credentials are stored under; its V2 API lives elsewhere. */
const DOCKER_HUB_HOSTS = new Set(['index.docker.io', 'docker.io', 'registry-1.docker.io']);
const DOCKER_HUB_API = 'https://registry-1.docker.io';

export type RegistryEndpoint = { origin: string } | { refusal: string };

/**
 * Where a registry key's V2 API is: `https://host[:port]` (the key's path is a namespace inside the
 * registry, not part of its API). Plain `http://` only for hosts the operator listed as insecure: an
 * `http://` key for another host is refused, and a listed host without a scheme is spoken to over HTTP.
 */
export function registryEndpoint(server: string, insecureHosts: readonly string[]): RegistryEndpoint {
  const scheme = /^(https?):\/\//i.exec(server)?.[1]?.toLowerCase();
  const host = server.slice(scheme ? scheme.length + 3 : 0).split('/')[0]!;
  let url: URL;
  try {
    url = new URL(`https://${host}`);
  } catch {
    return { refusal: `"${host}" is not a valid registry host` };
  }
  if (!host || url.username || url.password || url.host === '') return { refusal: `"${host}" is not a valid registry host` };
  if (DOCKER_HUB_HOSTS.has(url.hostname) && !url.port) return { origin: DOCKER_HUB_API };
  const insecure = isListed(url, insecureHosts);
  if (scheme === 'http' && !insecure) {
    return { refusal: `plain HTTP to ${url.host} is not allowed; list it in REGCRED_VERIFY_INSECURE_HOSTS to allow it` };
  }
  return { origin: `${insecure && scheme !== 'https' ? 'http' : 'https'}://${url.host}` };
}

function isListed(url: URL, insecureHosts: readonly string[]): boolean {
  return insecureHosts.some((listed) => {
    const entry = listed.toLowerCase();
    return entry === url.host || entry === url.hostname;
  });
}

// distribution/reference: path components of lower-case alphanumerics joined by . _ __ or dashes; tag as in a reference.
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const REPOSITORY = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*(?::[\\w][\\w.-]{0,127})?$`);

export const repositorySchema = z
  .string()
  .max(255, 'must be at most 255 characters')
  .regex(REPOSITORY, 'must be a repository path such as team/app, optionally with :tag')
  .meta({
    description:
      'With `verify`: also prove pull access to this repository (`name[:tag]`, path inside the registry, tag `latest` by default).',
    example: 'janedoe/jdoe-private',
  });

/** A repository named for verification, split into its name and the tag to ask the manifest of. */
export function splitRepository(repository: string): { name: string; tag: string } {
  const colon = repository.lastIndexOf(':');
  return colon < 0 ? { name: repository, tag: 'latest' } : { name: repository.slice(0, colon), tag: repository.slice(colon + 1) };
}
