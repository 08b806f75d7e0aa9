import { Buffer } from 'node:buffer';
import type { RegistryCredential } from './credential-schemas.js';
import { goMap, goStruct, marshalGoJson, type GoJsonStruct } from './go-json.js';

// Every field of kubectl's DockerConfigEntry is tagged `omitempty`.
function omitEmpty(value: string | undefined): string | undefined {
  return value ? value : undefined;
}

/** What the kubelet uses: base64 of `username:password`, over the UTF-8 bytes as Go sees them. */
function encodeAuth(username: string, password: string): string {
  return Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
}

// Field order is kubectl's DockerConfigEntry declaration order, which is what Go writes.
export function dockerConfigEntry(registry: RegistryCredential): GoJsonStruct {
  return goStruct({
    username: omitEmpty(registry.username),
    password: omitEmpty(registry.password),
    email: omitEmpty(registry.email),
    auth: encodeAuth(registry.username, registry.password),
  });
}

/**
 * The exact bytes (as a string) `kubectl create secret docker-registry` stores under
 * `.dockerconfigjson`: `{"auths":{"<server>":{username,password,email?,auth}}}`, compact,
 * escaped as Go does, several servers in Go's sorted map-key order. Contains the credentials.
 */
export function renderDockerConfigJson(registries: readonly RegistryCredential[]): string {
  const auths = Object.fromEntries(registries.map((registry) => [registry.server, dockerConfigEntry(registry)]));
  return marshalGoJson(goStruct({ auths: goMap(auths) }));
}
