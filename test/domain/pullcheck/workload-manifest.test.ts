import { describe, it, expect } from 'vitest';
import { MAX_IMAGES, MAX_WORKLOADS, workloadsOf } from '../../../src/domain/pullcheck/workload-manifest.js';
import { BadRequestError, ValidationError } from '../../../src/errors.js';
import { thrownBy } from '../../support/docker-config-samples.js';

const NS = 'team';
const podSpec = {
  serviceAccountName: 'builder',
  imagePullSecrets: [{ name: 'regcred' }],
  initContainers: [{ name: 'init', image: 'busybox:1.36' }],
  containers: [{ name: 'app', image: 'registry.example.com/team/app:1.0', imagePullPolicy: 'Always', ports: [{ containerPort: 80 }] }],
};
const template = { metadata: { labels: { app: 'api' } }, spec: podSpec };
const expectedPod = {
  serviceAccountName: 'builder',
  imagePullSecrets: ['regcred'],
  containers: [
    { kind: 'initContainer', name: 'init', image: 'busybox:1.36' },
    { kind: 'container', name: 'app', image: 'registry.example.com/team/app:1.0', imagePullPolicy: 'Always' },
  ],
};
const manifest = (kind: string, spec: object, metadata: object = { name: 'api' }) => ({ apiVersion: 'x/v1', kind, metadata, spec });
const fieldErrors = (act: () => unknown) => {
  const error = thrownBy(act);
  expect(error).toBeInstanceOf(ValidationError);
  return (error as ValidationError).errors;
};

describe('workloadsOf: the Pod template of every workload kind', () => {
  it.each([
    ['Pod', podSpec],
    ['Deployment', { replicas: 2, selector: {}, template }],
    ['StatefulSet', { serviceName: 'api', template }],
    ['DaemonSet', { template }],
    ['ReplicaSet', { template }],
    ['Job', { backoffLimit: 1, template }],
    ['CronJob', { schedule: '* * * * *', jobTemplate: { spec: { template } } }],
  ])('when the body is a %s, then its Pod template is read', (kind, spec) => {
    expect(workloadsOf(manifest(kind, spec), NS)).toEqual([{ kind, name: 'api', pod: expectedPod }]);
  });

  it('when the body is a List (kubectl get -o yaml), then each item is a workload', () => {
    const list = { apiVersion: 'v1', kind: 'List', items: [manifest('Pod', podSpec), manifest('Job', { template }, { name: 'once' })] };

    expect(workloadsOf(list, NS).map((w) => [w.kind, w.name])).toEqual([
      ['Pod', 'api'],
      ['Job', 'once'],
    ]);
  });

  it('when the body is YAML with several documents, then each is a workload, empty documents skipped', () => {
    const yaml = `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: team}
spec:
  template:
    spec:
      containers:
        - name: web
          image: nginx
---
---
apiVersion: v1
kind: Pod
metadata: {name: one}
spec:
  ephemeralContainers: [{name: debug, image: busybox}]
  containers: [{name: c, image: "ghcr.io/acme/api@sha256:${'a'.repeat(64)}", imagePullPolicy: IfNotPresent}]
`;
    const [web, one] = workloadsOf(yaml, NS);

    expect(web).toEqual({
      kind: 'Deployment',
      name: 'web',
      namespace: 'team',
      pod: { imagePullSecrets: [], containers: [{ kind: 'container', name: 'web', image: 'nginx' }] },
    });
    expect(one.pod.containers.map((c) => c.kind)).toEqual(['container', 'ephemeralContainer']);
  });

  it('when the body is JSON text, then it is read as the same document', () => {
    expect(workloadsOf(JSON.stringify(manifest('Pod', podSpec)), NS)).toEqual([{ kind: 'Pod', name: 'api', pod: expectedPod }]);
  });

  it('when the manifest carries status, managedFields and unknown fields, then they are ignored', () => {
    const got = {
      ...manifest(
        'Deployment',
        { template, strategy: { type: 'RollingUpdate' }, futureField: 1 },
        {
          name: 'api',
          namespace: NS,
          uid: 'u',
          resourceVersion: '9',
          managedFields: [{ manager: 'kubectl', fieldsV1: { 'f:spec': {} } }],
          annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
        },
      ),
      status: { replicas: 1, conditions: [{ type: 'Available' }] },
    };

    expect(workloadsOf(got, NS)).toEqual([{ kind: 'Deployment', name: 'api', namespace: NS, pod: expectedPod }]);
  });

  it('when the deprecated serviceAccount is given alone, then it names the ServiceAccount, as the API server defaults it', () => {
    const [pod] = workloadsOf(manifest('Pod', { serviceAccount: 'old', containers: [{ name: 'c', image: 'nginx' }] }), NS);

    expect(pod.pod.serviceAccountName).toBe('old');
  });

  it('when a pull secret entry has no name, then it is skipped, as the kubelet skips it', () => {
    const [pod] = workloadsOf(manifest('Pod', { imagePullSecrets: [{}, { name: 'a' }], containers: [{ name: 'c', image: 'nginx' }] }), NS);

    expect(pod.pod.imagePullSecrets).toEqual(['a']);
  });
});

describe('workloadsOf: what it refuses', () => {
  it('when the manifest names another namespace, then 422 names metadata/namespace', () => {
    expect(fieldErrors(() => workloadsOf(manifest('Pod', podSpec, { name: 'api', namespace: 'prod' }), NS))).toEqual([
      { path: 'metadata/namespace', code: 'namespace_mismatch', message: 'is "prod"; the request\'s path names namespace "team"' },
    ]);
  });

  it('when a List item names another namespace, then the path points into items', () => {
    const list = { kind: 'List', items: [manifest('Pod', podSpec), manifest('Pod', podSpec, { name: 'b', namespace: 'prod' })] };

    expect(fieldErrors(() => workloadsOf(list, NS)).map((e) => e.path)).toEqual(['items/1/metadata/namespace']);
  });

  it('when the kind cannot be checked, then 422 names kind and lists those it can', () => {
    const [error] = fieldErrors(() => workloadsOf({ kind: 'Service', metadata: { name: 's' }, spec: {} }, NS));

    expect(error).toMatchObject({ path: 'kind', code: 'invalid_value' });
    expect(error.message).toBe('is "Service"; must be one of Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob');
  });

  it('when a second YAML document has no kind, then the path names the document', () => {
    const yaml = 'kind: Pod\nspec: {containers: [{name: c, image: nginx}]}\n---\nmetadata: {name: x}\n';

    expect(fieldErrors(() => workloadsOf(yaml, NS))).toEqual([expect.objectContaining({ path: '1/kind', code: 'required' })]);
  });

  it('when a Deployment has no template, or a container no image or a bad pull policy, then each is named', () => {
    const errors = fieldErrors(() =>
      workloadsOf(
        [
          manifest('Deployment', {}),
          manifest('Pod', { containers: [{ name: 'a' }, { name: 'b', image: 'nginx', imagePullPolicy: 'Sometimes' }] }),
        ],
        NS,
      ),
    );

    expect(errors.map((e) => [e.path, e.code])).toEqual([
      ['0/spec/template/spec', 'required'],
      ['1/spec/containers/0/image', 'required'],
      ['1/spec/containers/1/imagePullPolicy', 'invalid_value'],
    ]);
  });

  it(`when the request holds more than ${MAX_WORKLOADS} workloads, then 422 too_big`, () => {
    const items = Array.from({ length: MAX_WORKLOADS + 1 }, (_, i) =>
      manifest('Pod', { containers: [{ image: 'nginx' }] }, { name: `p${i}` }),
    );

    expect(fieldErrors(() => workloadsOf({ kind: 'List', items }, NS))).toEqual([
      expect.objectContaining({ path: 'items', code: 'too_big' }),
    ]);
    expect(workloadsOf({ kind: 'List', items: items.slice(1) }, NS)).toHaveLength(MAX_WORKLOADS);
  });

  it(`when the YAML stream holds more than ${MAX_WORKLOADS} documents, then it is refused before any is converted`, () => {
    const yaml = Array.from({ length: MAX_WORKLOADS + 1 }, () => 'kind: Pod').join('\n---\n');

    expect(thrownBy(() => workloadsOf(yaml, NS))).toBeInstanceOf(BadRequestError);
  });

  it(`when the workloads hold more than ${MAX_IMAGES} containers together, then 422 too_big names the template that crossed the line`, () => {
    const containers = Array.from({ length: 30 }, (_, i) => ({ name: `c${i}`, image: 'nginx' }));
    const body = { kind: 'List', items: [manifest('Pod', { containers }), manifest('Job', { template: { spec: { containers } } })] };

    expect(fieldErrors(() => workloadsOf(body, NS))).toEqual([
      expect.objectContaining({ path: 'items/1/spec/template/spec', code: 'too_big' }),
    ]);
  });

  it('when the body is not YAML, then 400, without quoting it', () => {
    const error = thrownBy(() => workloadsOf('kind: Pod\n  bad: [', NS));

    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.message).not.toContain('bad');
  });
});
