import { decodeStdBase64 } from '../docker-config/docker-config-fields.js';
import { EVERY_PULL_FAILS } from '../docker-config/describe-registry-entry.js';
import { quoteName } from '../text/json-text.js';
import { jsonObjectMembers } from '../text/json-members.js';
import { describeDockerConfigJson, describeDockercfg, type PullSecretDescription } from '../docker-config/redact-docker-config.js';
import {
  DOCKER_CFG_KEY,
  DOCKER_CONFIG_JSON_KEY,
  DOCKER_CONFIG_JSON_TYPE,
  isPullSecretType,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  PULL_SECRET_TYPES,
  type SecretObject,
} from '../kubernetes/secret.js';
import { readLastVerification } from '../verify/verification-annotation.js';
import type { PullSecretView } from '../view-schemas.js';

export type { PullSecretDescription };

/**
 * What the kubelet would read from a pull secret's data (values base64, as in the API), redacted:
 * every value that could be secret is replaced by REDACTED. Never throws: content the kubelet
 * cannot use becomes a warning that says what the kubelet then does.
 */
export function describePullSecretData(type: string, data: Record<string, string>): PullSecretDescription {
  if (!isPullSecretType(type)) {
    return nothing(
      `type ${quoteName(type)} is not ${PULL_SECRET_TYPES.join(' or ')}, so the kubelet reads no image pull credentials from it`,
    );
  }
  const key = type === DOCKER_CONFIG_JSON_TYPE ? DOCKER_CONFIG_JSON_KEY : DOCKER_CFG_KEY;
  const value = Object.hasOwn(data, key) ? data[key] : undefined;
  // The kubelet skips a pull secret whose key is missing or empty instead of failing.
  if (!value) return nothing(`there is no "${key}" key (or it is empty), so the kubelet finds no credentials in this secret`);
  const bytes = typeof value === 'string' ? decodeStdBase64(value, 'required') : undefined;
  if (!bytes) return nothing(`"${key}" is not valid base64, so the API server would not accept this secret`);
  const text = bytes.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return nothing(`"${key}" does not decode to valid JSON; ${EVERY_PULL_FAILS}`);
  }
  return type === DOCKER_CONFIG_JSON_TYPE ? describeDockerConfigJson(json, jsonObjectMembers(text, json)) : describeDockercfg(json);
}

/** A Secret as callers may see it: metadata and the redacted content; never annotations, which can hold a copy of the data. */
export function toPullSecretView(secret: SecretObject): PullSecretView {
  const lastVerification = readLastVerification(secret.annotations);
  return {
    name: secret.name,
    namespace: secret.namespace,
    type: secret.type,
    ...(secret.uid !== undefined && { uid: secret.uid }),
    ...(secret.resourceVersion !== undefined && { resourceVersion: secret.resourceVersion }),
    ...(secret.creationTimestamp !== undefined && { creationTimestamp: secret.creationTimestamp }),
    labels: { ...secret.labels },
    immutable: secret.immutable,
    managedByRegcred: secret.labels[MANAGED_BY_LABEL] === MANAGED_BY_VALUE,
    ...(lastVerification && { lastVerification }),
    ...describePullSecretData(secret.type, secret.data),
  };
}

function nothing(warning: string): PullSecretDescription {
  return { registries: [], decoded: {}, warnings: [warning] };
}
