import { ValidationError, type FieldError } from '../../errors.js';
import { isPlainObject, quoteName } from '../text/json-text.js';
import { parseYamlDocuments } from '../text/yaml-document.js';
import type { ContainerKind, PullPolicy, Workload, WorkloadContainer, WorkloadPodSpec } from './pullcheck-model.js';

/** Workloads one request may check: documents of a stream and items of Lists together. */
export const MAX_WORKLOADS = 20;
/** Containers (init, regular, ephemeral) one request may check, over all its workloads. */
export const MAX_IMAGES = 50;

/** Where each kind keeps its Pod template's spec. */
const POD_SPEC_PATHS: Record<Workload['kind'], readonly string[]> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};
export const WORKLOAD_KINDS = Object.keys(POD_SPEC_PATHS) as Workload['kind'][];

const CONTAINER_LISTS: ReadonlyArray<[string, ContainerKind]> = [
  ['initContainers', 'initContainer'],
  ['containers', 'container'],
  ['ephemeralContainers', 'ephemeralContainer'],
];
const PULL_POLICIES: readonly PullPolicy[] = ['Always', 'IfNotPresent', 'Never'];

/**
 * The workloads of a pull check's body: YAML or JSON text (one document, a `---` stream, or a `List`),
 * or the same already parsed. Reads only the Pod template's service account, pull secrets and
 * containers; status, managedFields and unknown fields are ignored. A `metadata.namespace` must be
 * the path's `namespace`. @throws ValidationError (422) naming the field and the rule; BadRequestError when the text is not YAML
 */
export function workloadsOf(body: unknown, namespace: string): Workload[] {
  const documents = typeof body === 'string' ? parseYamlDocuments(body, MAX_WORKLOADS) : Array.isArray(body) ? body : [body];
  const located = documents.length === 1 ? [{ value: documents[0], path: '' }] : documents.map((value, i) => ({ value, path: `${i}/` }));
  const found = located.flatMap(({ value, path }) => itemsOf(value, path));
  if (found.length > MAX_WORKLOADS) {
    throw invalid(`the request holds ${found.length} workloads`, {
      path: '',
      code: 'too_big',
      message: `at most ${MAX_WORKLOADS} workloads per request`,
    });
  }
  if (found.length === 0)
    throw invalid('the request holds no workload', { path: '', code: 'too_small', message: 'send at least one workload' });
  const errors: FieldError[] = [];
  let images = 0;
  const workloads: Workload[] = [];
  for (const { value, path } of found) {
    const workload = readWorkload(value, path, namespace, errors);
    if (!workload) continue;
    images += workload.pod.containers.length;
    if (images > MAX_IMAGES) {
      const message = `at most ${MAX_IMAGES} containers per request, over all its workloads`;
      throw invalid('the request holds too many containers', {
        path: `${path}${POD_SPEC_PATHS[workload.kind].join('/')}`,
        code: 'too_big',
        message,
      });
    }
    workloads.push(workload);
  }
  if (errors.length > 0) throw new ValidationError('the request is not a workload the pull check can read', errors);
  return workloads;
}

function itemsOf(value: unknown, path: string): Array<{ value: unknown; path: string }> {
  if (!isPlainObject(value) || typeof value.kind !== 'string' || !value.kind.endsWith('List')) return [{ value, path }];
  if (!Array.isArray(value.items)) {
    throw invalid('a List without items', { path: `${path}items`, code: 'invalid_type', message: 'must be an array of workloads' });
  }
  if (value.items.length > MAX_WORKLOADS) {
    throw invalid(`the List holds ${value.items.length} items`, {
      path: `${path}items`,
      code: 'too_big',
      message: `at most ${MAX_WORKLOADS} workloads per request`,
    });
  }
  return value.items.map((item, i) => ({ value: item, path: `${path}items/${i}/` }));
}

function readWorkload(value: unknown, path: string, namespace: string, errors: FieldError[]): Workload | undefined {
  if (!isPlainObject(value)) {
    errors.push({ path: path.replace(/\/$/, ''), code: 'invalid_type', message: 'must be a workload manifest object' });
    return undefined;
  }
  const kind = value.kind;
  if (typeof kind !== 'string' || !Object.hasOwn(POD_SPEC_PATHS, kind)) {
    const shown = typeof kind === 'string' ? `is ${quoteName(kind)}; ` : '';
    errors.push({
      path: `${path}kind`,
      code: kind === undefined ? 'required' : 'invalid_value',
      message: `${shown}must be one of ${WORKLOAD_KINDS.join(', ')}`,
    });
    return undefined;
  }
  const metadata = isPlainObject(value.metadata) ? value.metadata : {};
  const written = metadata.namespace;
  if (typeof written === 'string' && written !== '' && written !== namespace) {
    const message = `is ${quoteName(written)}; the request's path names namespace ${quoteName(namespace)}`;
    errors.push({ path: `${path}metadata/namespace`, code: 'namespace_mismatch', message });
  }
  const name = typeof metadata.name === 'string' ? metadata.name : typeof metadata.generateName === 'string' ? metadata.generateName : '';
  const specPath = POD_SPEC_PATHS[kind as Workload['kind']];
  let spec: unknown = value;
  for (const step of specPath) spec = isPlainObject(spec) ? spec[step] : undefined;
  if (!isPlainObject(spec)) {
    errors.push({ path: `${path}${specPath.join('/')}`, code: 'required', message: `a ${kind} needs its Pod template's spec here` });
    return undefined;
  }
  const pod = readPodSpec(spec, `${path}${specPath.join('/')}/`, errors);
  return { kind: kind as Workload['kind'], name, ...(typeof written === 'string' && written !== '' && { namespace: written }), pod };
}

/** The few fields of a Pod spec that decide a pull: the API server's defaulting applied (serviceAccount → serviceAccountName). */
export function readPodSpec(spec: Record<string, unknown>, path: string, errors: FieldError[]): WorkloadPodSpec {
  const account =
    typeof spec.serviceAccountName === 'string' && spec.serviceAccountName !== '' ? spec.serviceAccountName : spec.serviceAccount;
  const secrets = Array.isArray(spec.imagePullSecrets) ? spec.imagePullSecrets : [];
  if (spec.imagePullSecrets != null && !Array.isArray(spec.imagePullSecrets)) {
    errors.push({ path: `${path}imagePullSecrets`, code: 'invalid_type', message: 'must be an array of {name}' });
  }
  const containers: WorkloadContainer[] = [];
  for (const [field, kind] of CONTAINER_LISTS) {
    const list = spec[field];
    if (list == null) continue;
    if (!Array.isArray(list)) {
      errors.push({ path: `${path}${field}`, code: 'invalid_type', message: 'must be an array of containers' });
      continue;
    }
    list.forEach((entry, i) => {
      const container = readContainer(entry, kind, `${path}${field}/${i}`, errors);
      if (container) containers.push(container);
    });
  }
  if (containers.length === 0 && !errors.some((e) => e.path.startsWith(path))) {
    errors.push({ path: `${path}containers`, code: 'too_small', message: 'names no container' });
  }
  return {
    ...(typeof account === 'string' && account !== '' && { serviceAccountName: account }),
    // An empty name is allowed by the API and skipped by the kubelet.
    imagePullSecrets: secrets.flatMap((s) => (isPlainObject(s) && typeof s.name === 'string' && s.name !== '' ? [s.name] : [])),
    containers,
  };
}

function readContainer(entry: unknown, kind: ContainerKind, path: string, errors: FieldError[]): WorkloadContainer | undefined {
  if (!isPlainObject(entry)) {
    errors.push({ path, code: 'invalid_type', message: 'must be a container object' });
    return undefined;
  }
  const { name, image, imagePullPolicy } = entry;
  if (typeof image !== 'string' || image === '') {
    errors.push({ path: `${path}/image`, code: image === undefined ? 'required' : 'invalid_type', message: 'must be the image to pull' });
    return undefined;
  }
  if (imagePullPolicy != null && !PULL_POLICIES.includes(imagePullPolicy as PullPolicy)) {
    errors.push({ path: `${path}/imagePullPolicy`, code: 'invalid_value', message: `must be one of ${PULL_POLICIES.join(', ')}` });
    return undefined;
  }
  return {
    kind,
    name: typeof name === 'string' ? name : '',
    image,
    ...(imagePullPolicy != null && { imagePullPolicy: imagePullPolicy as PullPolicy }),
  };
}

function invalid(detail: string, error: FieldError): ValidationError {
  return new ValidationError(`${detail}: ${error.message}`, [error]);
}
