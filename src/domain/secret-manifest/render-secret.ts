import { Buffer } from 'node:buffer';
import { ValidationError, type FieldError } from '../../errors.js';
import type { RegistryCredential } from '../docker-config/credential-schemas.js';
import {
  DOCKER_CONFIG_JSON_KEY,
  DOCKER_CONFIG_JSON_TYPE,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  MAX_SECRET_DATA_BYTES,
} from '../kubernetes/secret.js';
import type { SecretManifest } from '../view-schemas.js';
import { renderDockerConfigJson } from '../docker-config/render-docker-config.js';
import { secretNameWithHash } from '../docker-config/secret-hash.js';

/** A Kubernetes object name (DNS-1123 subdomain) is at most this long. */
const MAX_NAME_LENGTH = 253;
const CANNOT_RENDER = 'The pull secret cannot be rendered.';

export interface PullSecretInput {
  name: string;
  namespace?: string;
  registries: readonly RegistryCredential[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Append kubectl's `--append-hash` suffix to the name. */
  appendHash?: boolean;
}

// The API server sums the decoded data values, which here is the one .dockerconfigjson document.
function dataSizeProblem(dockerConfigJson: string): FieldError | undefined {
  const bytes = Buffer.byteLength(dockerConfigJson, 'utf8');
  if (bytes <= MAX_SECRET_DATA_BYTES) return undefined;
  return {
    path: 'registries',
    code: 'too_big',
    message: `the Secret would exceed the API server's 1 MiB limit: its data would be ${bytes} bytes, at most ${MAX_SECRET_DATA_BYTES} are allowed`,
  };
}

// Plain names are checked by the request schema; only the hash suffix can push one over the limit.
function nameLengthProblem(name: string): FieldError | undefined {
  if (name.length <= MAX_NAME_LENGTH) return undefined;
  return {
    path: 'name',
    code: 'too_big',
    message: `the name with its hash suffix would be ${name.length} characters, at most ${MAX_NAME_LENGTH} are allowed`,
  };
}

function throwIfAny(problems: ReadonlyArray<FieldError | undefined>): void {
  const errors = problems.filter((problem): problem is FieldError => problem !== undefined);
  if (errors.length > 0) throw new ValidationError(CANNOT_RENDER, errors);
}

function encodeData(dockerConfigJson: string): Record<string, string> {
  return { [DOCKER_CONFIG_JSON_KEY]: Buffer.from(dockerConfigJson, 'utf8').toString('base64') };
}

/**
 * The `data` of a pull Secret for `registries`, as kubectl would write it.
 * @throws ValidationError when the Secret would be larger than the API server accepts.
 */
export function dockerConfigJsonData(registries: readonly RegistryCredential[]): Record<string, string> {
  const dockerConfigJson = renderDockerConfigJson(registries);
  throwIfAny([dataSizeProblem(dockerConfigJson)]);
  return encodeData(dockerConfigJson);
}

/**
 * A `kubernetes.io/dockerconfigjson` Secret, as `kubectl create secret docker-registry --dry-run=client`
 * renders it, labelled as managed by regcred. Contains the credentials.
 * @throws ValidationError when the data would be too large or the hashed name too long.
 */
export function renderPullSecret(input: PullSecretInput): SecretManifest {
  const dockerConfigJson = renderDockerConfigJson(input.registries);
  const data = encodeData(dockerConfigJson);
  const name = input.appendHash ? secretNameWithHash(input.name, DOCKER_CONFIG_JSON_TYPE, data) : input.name;
  throwIfAny([input.appendHash ? nameLengthProblem(name) : undefined, dataSizeProblem(dockerConfigJson)]);
  const hasAnnotations = input.annotations !== undefined && Object.keys(input.annotations).length > 0;
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name,
      ...(input.namespace ? { namespace: input.namespace } : {}),
      labels: { ...input.labels, [MANAGED_BY_LABEL]: MANAGED_BY_VALUE },
      ...(hasAnnotations ? { annotations: { ...input.annotations } } : {}),
    },
    type: DOCKER_CONFIG_JSON_TYPE,
    data,
  };
}
