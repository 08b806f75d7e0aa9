import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listStoredDistributions, preflightFindings } from '../../scripts/crd-schema.js';
import { KubernetesDistributions } from '../../src/cluster/kubernetes/distributions.js';
import { KubernetesCluster } from '../../src/cluster/kubernetes/cluster.js';
import { DistributionController } from '../../src/controller/distribution-controller.js';
import { desiredCopyOf, type DesiredCopy } from '../../src/domain/distributions/desired-copy.js';
import {
  CLEANUP_FINALIZER,
  CONTENT_HASH_ANNOTATION,
  DISTRIBUTION_GROUP,
  DISTRIBUTION_LABEL,
  DISTRIBUTION_PLURAL,
  DISTRIBUTION_SOURCE_LABEL,
  DISTRIBUTION_UID_ANNOTATION,
  DISTRIBUTION_VERSION,
  type DistributionSpec,
} from '../../src/domain/distributions/distribution.js';
import { specWithinSchema } from '../../src/domain/distributions/spec-problem.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../../src/domain/kubernetes/secret.js';
import { ciDockerConfigJson } from '../support/docker-config-samples.js';
import { applyDistributionCrd, DISTRIBUTION_CRD, PREVIOUS_DISTRIBUTION_CRD } from '../support/distribution-crd.js';
import { recordingObserver } from '../support/recording-observer.js';
import { eventually } from '../support/poll.js';
import { startPrivateKit, type PrivateKit } from '../support/private-kit.js';
import { kitSuiteTitle, realClusterAvailable } from '../support/real-cluster.js';

// Kubernetes 1.20 has no validation ratcheting: once a CRD with limits is applied, an object stored
// under today's CRD that breaks them can no longer be written at all. On a kit of its own (the shared
// kit's CRD must stay the current one): objects stored under today's CRD (test/fixtures), as today's
// controller left them, then the new CRD, then the new controller.

const enabled = realClusterAvailable();
const CR = { group: DISTRIBUTION_GROUP, version: DISTRIBUTION_VERSION, plural: DISTRIBUTION_PLURAL };
const CANARY = 'canary-upgrade-5d1c';
const OWN = 'regcred-upgrade';
const [TEAM_A, TEAM_B] = ['team-a', 'team-b'];
const STALE_STATUS = { observedGeneration: 1, counts: { targeted: 0, current: 0 }, lastReconciled: '2020-01-01T00:00:00Z' };
const tooMany = (first: string) => [first, ...Array.from({ length: 1499 }, (_, i) => `later-${i}`)];

type Stored = { metadata: { name: string; uid: string; resourceVersion: string; deletionTimestamp?: string; finalizers?: string[] } };

describe.skipIf(!enabled)(kitSuiteTitle(`upgrading the CRD over objects stored under the previous one (private kit)`), () => {
  let kit: PrivateKit;
  let kubeConfig: KubeConfig;
  let core: CoreV1Api;
  let custom: CustomObjectsApi;
  let controller: DistributionController | undefined;
  let desired: DesiredCopy;
  const unexpected: unknown[] = [];

  const read = (name: string) =>
    custom.getClusterCustomObject({ ...CR, name }).then(
      (o) => o as Stored & { spec: DistributionSpec; status?: Record<string, unknown> },
      (error: { code?: number }) => {
        if (error.code === 404) return undefined;
        throw error;
      },
    );
  const secretIn = (namespace: string, name: string) =>
    core.readNamespacedSecret({ namespace, name }).catch((error: { code?: number }) => {
      if (error.code === 404) return undefined;
      throw error;
    });
  const store = (name: string, spec: Record<string, unknown>) =>
    custom.createClusterCustomObject({
      ...CR,
      body: {
        apiVersion: `${DISTRIBUTION_GROUP}/${DISTRIBUTION_VERSION}`,
        kind: 'PullSecretDistribution',
        metadata: { name, finalizers: [CLEANUP_FINALIZER] },
        spec,
      },
    }) as Promise<Stored>;
  const source = (name: string) => ({
    metadata: { name: `distribution-${name}`, labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [DISTRIBUTION_SOURCE_LABEL]: name } },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': ciDockerConfigJson(CANARY) },
  });
  /** A JSON patch with the resourceVersion precondition, as the controller writes. */
  const patch = (name: string, resourceVersion: string, ops: object[], subresource?: 'status') => {
    const body = [{ op: 'replace', path: '/metadata/resourceVersion', value: resourceVersion }, ...ops];
    const options = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
    return subresource
      ? custom.patchClusterCustomObjectStatus({ ...CR, name, body }, options)
      : custom.patchClusterCustomObject({ ...CR, name, body }, options);
  };
  /** "accepted", or the API server's status code and message. */
  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => 'accepted',
      (error: { code?: number; body?: string }) => {
        const message = (() => {
          try {
            return String((JSON.parse(error.body ?? '') as { message?: string }).message);
          } catch {
            return '';
          }
        })();
        return `${error.code} ${message}`;
      },
    );

  beforeAll(async () => {
    kit = await startPrivateKit();
    kubeConfig = kit.kubeConfig();
    core = kubeConfig.makeApiClient(CoreV1Api);
    custom = kubeConfig.makeApiClient(CustomObjectsApi);
    await applyDistributionCrd(kit.kubeconfigPath, PREVIOUS_DISTRIBUTION_CRD);
    for (const name of [OWN, TEAM_A, TEAM_B]) await core.createNamespace({ body: { metadata: { name } } });

    // As today's API and controller left them: sources and a copy without any UID, a status from before.
    for (const name of ['payments', 'too-many', 'upper-case']) await core.createNamespacedSecret({ namespace: OWN, body: source(name) });
    const reading = desiredCopyOf(
      {
        namespace: OWN,
        name: 'distribution-payments',
        type: 'kubernetes.io/dockerconfigjson',
        labels: {},
        annotations: {},
        data: { '.dockerconfigjson': ciDockerConfigJson(CANARY) },
        immutable: false,
      },
      { namespace: OWN, name: 'distribution-payments' },
    );
    if (!('desired' in reading)) throw new Error(reading.problem);
    desired = reading.desired;
    await core.createNamespacedSecret({
      namespace: TEAM_A,
      body: {
        metadata: {
          name: 'regcred',
          labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [DISTRIBUTION_LABEL]: 'payments' },
          annotations: { [CONTENT_HASH_ANNOTATION]: desired.contentHash },
        },
        type: 'kubernetes.io/dockerconfigjson',
        data: desired.data,
      },
    });
    const base = { secretName: 'regcred', serviceAccounts: [] };
    const payments = await store('payments', {
      ...base,
      source: { secretName: 'distribution-payments', namespace: OWN },
      namespaces: [TEAM_A],
    });
    await patch('payments', payments.metadata.resourceVersion, [{ op: 'add', path: '/status', value: STALE_STATUS }], 'status');
    await store('too-many', { ...base, source: { secretName: 'distribution-too-many', namespace: OWN }, namespaces: tooMany(TEAM_B) });
    await store('upper-case', {
      ...base,
      source: { secretName: 'distribution-upper-case', namespace: OWN },
      namespaces: [TEAM_B, 'Team-B'],
    });
    await store('probe', { ...base, source: { secretName: 'distribution-probe', namespace: 'elsewhere' }, namespaces: tooMany('x') });

    await applyDistributionCrd(kit.kubeconfigPath);
    // Established already (the previous version was): wait until the new schema is the one applied.
    await eventually(
      async () => {
        const tried = await refusal(
          custom.createClusterCustomObject({
            ...CR,
            dryRun: 'All',
            body: {
              apiVersion: `${DISTRIBUTION_GROUP}/${DISTRIBUTION_VERSION}`,
              kind: 'PullSecretDistribution',
              metadata: { name: 'x' },
              spec: { source: { secretName: 's' }, namespaces: ['X'] },
            },
          }),
        );
        expect(tried).toMatch(/^422/);
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
  }, 180_000);

  afterAll(async () => {
    await controller?.stop();
    await kit?.destroy();
  }, 120_000);

  it('when the new CRD holds an object stored past its limits, then v1.20 refuses every write of it (status PATCH and PUT, finalizers) but DELETE; a write that makes the spec valid and removes the finalizer ends the deletion', async () => {
    const stored = (await read('probe'))!;
    const rv = stored.metadata.resourceVersion;
    const status = { message: 'probe' };
    expect(await refusal(patch('probe', rv, [{ op: 'add', path: '/status', value: status }], 'status'))).toMatch(
      /^422 .*spec.namespaces in body should have at most 1000 items/,
    );
    expect(await refusal(custom.replaceClusterCustomObjectStatus({ ...CR, name: 'probe', body: { ...stored, status } }))).toMatch(/^422 /);
    expect(await refusal(patch('probe', rv, [{ op: 'add', path: '/metadata/finalizers', value: [] }]))).toMatch(/^422 /);
    expect(await refusal(patch('probe', rv, [{ op: 'add', path: '/metadata/labels', value: { a: 'b' } }]))).toMatch(/^422 /);

    expect(await refusal(custom.deleteClusterCustomObject({ ...CR, name: 'probe' }))).toBe('accepted');
    const deleting = (await read('probe'))!;
    expect(deleting.metadata.deletionTimestamp).toBeDefined();
    expect(
      await refusal(patch('probe', deleting.metadata.resourceVersion, [{ op: 'add', path: '/metadata/finalizers', value: [] }])),
    ).toMatch(/^422 /);

    const trimmed = specWithinSchema(deleting.spec);
    expect(
      await refusal(
        patch('probe', deleting.metadata.resourceVersion, [
          { op: 'add', path: '/metadata/finalizers', value: [] },
          { op: 'add', path: '/spec', value: trimmed },
        ]),
      ),
    ).toBe('accepted');
    expect(await read('probe')).toBeUndefined();
  });

  it('when the preflight reads the stored objects, then it lists those the new CRD blocks and those the controller refuses, and not the valid one', async () => {
    const findings = preflightFindings((await listStoredDistributions(kubeConfig))!, DISTRIBUTION_CRD).filter((f) => f.name !== 'probe');
    expect(findings.map((f) => [f.name, f.verdict]).sort()).toEqual([
      ['too-many', 'blocks'],
      ['upper-case', 'blocks'],
    ]);
    expect(findings.find((f) => f.name === 'too-many')!.problems).toEqual(['/spec/namespaces: must NOT have more than 1000 items']);
  });

  describe("then regcred's controller", () => {
    beforeAll(async () => {
      const observer = recordingObserver({ unexpected }).observer;
      controller = new DistributionController({
        cluster: new KubernetesCluster(kubeConfig, { timeoutMs: 5000 }),
        distributions: new KubernetesDistributions(kubeConfig, { timeoutMs: 5000 }),
        ownNamespace: OWN,
        denyNamespaces: ['kube-system'],
        watchTimeoutSeconds: 30,
        resyncSeconds: 5,
        observer,
      });
      await controller.start();
    });

    it('when an object stored under the previous CRD is valid under the new one, then its status is written and the copy it made is adopted: the same Secret, now bound to its UID, content as it was', async () => {
      const before = (await secretIn(TEAM_A, 'regcred'))!;
      const payments = (await read('payments'))!;
      await eventually(
        async () => {
          const status = (await read('payments'))!.status!;
          expect(status.lastReconciled).not.toBe(STALE_STATUS.lastReconciled);
          expect(status.counts).toMatchObject({ targeted: 1, current: 1 });
        },
        { timeoutMs: 20_000 },
      );
      await eventually(
        async () => {
          const copy = (await secretIn(TEAM_A, 'regcred'))!;
          expect(copy.metadata?.uid).toBe(before.metadata?.uid);
          expect(copy.metadata?.annotations?.[DISTRIBUTION_UID_ANNOTATION]).toBe(payments.metadata.uid);
          expect(copy.metadata?.annotations?.[CONTENT_HASH_ANNOTATION]).toBe(desired.contentHash);
          expect(copy.data).toEqual(desired.data);
        },
        { timeoutMs: 20_000 },
      );
    });

    it('when objects stored under the previous CRD break the new one, then they get no copy anywhere', async () => {
      // Settled: the valid object is done, so these had their turns (and retries) too.
      await eventually(async () => expect((await read('payments'))!.status?.counts).toMatchObject({ current: 1 }), { timeoutMs: 20_000 });
      await new Promise((done) => setTimeout(done, 2000));
      for (const name of ['too-many', 'upper-case']) {
        const copies = await core.listSecretForAllNamespaces({ labelSelector: `${DISTRIBUTION_LABEL}=${name}` });
        expect(copies.items.map((s) => s.metadata?.namespace)).toEqual([]);
      }
      expect(await secretIn(TEAM_B, 'regcred')).toBeUndefined();
    });

    it('when the valid object is deleted, then its deletion finishes and takes its copy and its source', async () => {
      await custom.deleteClusterCustomObject({ ...CR, name: 'payments' });
      await eventually(async () => expect(await read('payments')).toBeUndefined(), { timeoutMs: 20_000 });
      expect(await secretIn(TEAM_A, 'regcred')).toBeUndefined();
      expect(await secretIn(OWN, 'distribution-payments')).toBeUndefined();
    });

    it('when the objects that break the new CRD are deleted, then their deletions finish too', async () => {
      for (const name of ['too-many', 'upper-case']) await custom.deleteClusterCustomObject({ ...CR, name });
      await eventually(
        async () => {
          expect(await read('too-many')).toBeUndefined();
          expect(await read('upper-case')).toBeUndefined();
        },
        { timeoutMs: 40_000, intervalMs: 250 },
      );
      expect(unexpected).toEqual([]);
    }, 45_000);
  });
});
