// The top level of a Docker config as the kubelet decodes it (pkg/credentialprovider/config.go):
// json.Unmarshal into DockerConfigJSON{Auths DockerConfig `json:"auths"`; HTTPHeaders map[string]string
// `json:"HttpHeaders"`}, or, for the legacy .dockercfg, straight into DockerConfig (map[string]DockerConfigEntry).

import { goFoldedKey } from './docker-config-fields.js';
import { isPlainObject } from '../text/json-text.js';
import type { JsonMembers } from '../text/json-members.js';

export interface GoDockerConfig {
  /** The registry entries Go ends up with, entries themselves still undecoded. Empty for a nil map. */
  entries: Map<string, unknown>;
  /** The keys Go decoded into Auths, as written and in order; empty when there is none (or for .dockercfg). */
  authsKeys: string[];
  /**
   * Members of the wrong type, in order. json.Unmarshal goes on past each one and returns the first
   * as its error, so the kubelet fails every pull; `entries` is what Go had decoded regardless.
   */
  typeErrors: Array<{ key: string; expected: 'object' | 'object of strings' }>;
}

/**
 * Which registries `json.Unmarshal` puts in a Docker config, given the root object's members in
 * document order. Keys match case-insensitively (Go's folding); each object spelled "auths" is
 * merged into the one map, a later server overwriting an earlier one; a null sets the map to nil.
 */
export function decodeGoDockerConfig(members: JsonMembers, format: 'config.json' | 'dockercfg'): GoDockerConfig {
  if (format === 'dockercfg') return { entries: new Map(members), authsKeys: [], typeErrors: [] };
  const result: GoDockerConfig = { entries: new Map(), authsKeys: [], typeErrors: [] };
  for (const [key, value] of members) {
    const field = goFoldedKey(key);
    if (field === 'auths') {
      result.authsKeys.push(key);
      // Go reuses a non-nil map, so a second object adds to the first instead of replacing it.
      if (value === null) result.entries.clear();
      else if (isPlainObject(value)) for (const [server, entry] of Object.entries(value)) result.entries.set(server, entry);
      else result.typeErrors.push({ key, expected: 'object' });
    } else if (field === 'httpheaders' && !isNullableStringMap(value)) {
      result.typeErrors.push({ key, expected: 'object of strings' });
    }
  }
  return result;
}

function isNullableStringMap(value: unknown): boolean {
  return value === null || (isPlainObject(value) && Object.values(value).every((v) => v === null || typeof v === 'string'));
}
