import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ContinueTokenError, type Cluster } from '../../src/domain/cluster.js';
import type { ClusterArena } from '../support/cluster-arena.js';
import { uniqueName } from '../support/real-cluster.js';

/** The Pods the pull check reads, on each arena: spec as admitted, the containers waiting on a pull, pages. */
export function describePodContract(name: string, makeArena: () => Promise<ClusterArena>): void {
  describe(`${name}: the Cluster contract for Pods (readPod, listPods)`, () => {
    let arena: ClusterArena;
    let cluster: Cluster;
    let namespace: string;
    beforeEach(async () => {
      arena = await makeArena();
      cluster = arena.cluster;
      namespace = uniqueName('pods');
      await arena.createNamespace(namespace);
      await arena.seedServiceAccount({ namespace, name: 'default', automountServiceAccountToken: false });
    });
    afterEach(async () => arena.cleanup());

    it("when a Pod lists no pull secrets, then it reads back as admitted: its ServiceAccount's secrets copied in, init containers first, pull policies defaulted", async () => {
      await arena.seedServiceAccount({
        namespace,
        name: 'builder',
        imagePullSecrets: ['regcred', 'mirror'],
        automountServiceAccountToken: false,
      });
      await arena.createPod({
        namespace,
        name: 'api',
        serviceAccountName: 'builder',
        imagePullSecrets: [],
        containers: [
          { kind: 'container', name: 'app', image: 'registry.example.com/team/api:1.2' },
          { kind: 'container', name: 'sidecar', image: 'nginx' },
          { kind: 'container', name: 'pinned', image: 'nginx:latest', imagePullPolicy: 'Never' },
          { kind: 'initContainer', name: 'migrate', image: 'registry.example.com/team/migrate:latest' },
        ],
      });
      const pod = await cluster.readPod(namespace, 'api');
      expect(pod).toEqual({
        namespace,
        name: 'api',
        creationTimestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        spec: {
          serviceAccountName: 'builder',
          imagePullSecrets: ['regcred', 'mirror'],
          containers: [
            { kind: 'initContainer', name: 'migrate', image: 'registry.example.com/team/migrate:latest', imagePullPolicy: 'Always' },
            { kind: 'container', name: 'app', image: 'registry.example.com/team/api:1.2', imagePullPolicy: 'IfNotPresent' },
            { kind: 'container', name: 'sidecar', image: 'nginx', imagePullPolicy: 'Always' },
            { kind: 'container', name: 'pinned', image: 'nginx:latest', imagePullPolicy: 'Never' },
          ],
        },
        waiting: [],
      });
    });

    it('when a Pod lists its own pull secrets, then they are kept as listed and no ServiceAccount name means default', async () => {
      await arena.createPod({ namespace, name: 'own', imagePullSecrets: ['b', 'a'] });
      expect((await cluster.readPod(namespace, 'own'))?.spec).toMatchObject({
        serviceAccountName: 'default',
        imagePullSecrets: ['b', 'a'],
      });
    });

    it('when the kubelet reports containers waiting, then only the pull reasons are waiting (ErrImagePull, ImagePullBackOff, InvalidImageName), init containers included', async () => {
      await arena.createPod({
        namespace,
        name: 'stuck',
        containers: [
          { kind: 'initContainer', name: 'init', image: 'registry.example.com/init:1' },
          { kind: 'container', name: 'app', image: 'registry.example.com/app:1' },
          { kind: 'container', name: 'bad', image: 'registry.example.com/bad:1' },
          { kind: 'container', name: 'creating', image: 'registry.example.com/creating:1' },
          { kind: 'container', name: 'runs', image: 'registry.example.com/runs:1' },
        ],
      });
      await arena.setContainerStates(namespace, 'stuck', [
        { name: 'init', waiting: 'ErrImagePull' },
        { name: 'app', waiting: 'ImagePullBackOff' },
        { name: 'bad', waiting: 'InvalidImageName' },
        { name: 'creating', waiting: 'ContainerCreating' },
      ]);
      expect((await cluster.readPod(namespace, 'stuck'))?.waiting).toEqual([
        { name: 'init', reason: 'ErrImagePull' },
        { name: 'app', reason: 'ImagePullBackOff' },
        { name: 'bad', reason: 'InvalidImageName' },
      ]);
    });

    it('when there is no such Pod, or no such namespace, then readPod answers undefined', async () => {
      expect(await cluster.readPod(namespace, 'absent')).toBeUndefined();
      expect(await cluster.readPod(uniqueName('missing'), 'absent')).toBeUndefined();
    });

    it('when Pods are listed a page at a time, then each page follows the last by name until no continue is left', async () => {
      for (const pod of ['c', 'a', 'b']) await arena.createPod({ namespace, name: pod });
      const first = await cluster.listPods(namespace, { limit: 2 });
      expect(first.pods.map((p) => p.name)).toEqual(['a', 'b']);
      expect(first.continue).toEqual(expect.any(String));
      const second = await cluster.listPods(namespace, { limit: 2, continue: first.continue });
      expect(second.pods.map((p) => p.name)).toEqual(['c']);
      expect(second.continue).toBeUndefined();
      expect(second.pods[0]).toMatchObject({ namespace, spec: { serviceAccountName: 'default' }, waiting: [] });
    });

    it('when the namespace does not exist, then the listing is empty', async () => {
      expect(await cluster.listPods(uniqueName('missing'), { limit: 5 })).toEqual({ pods: [] });
    });

    it('when a continue token was not handed out by the cluster, then listing refuses it as the continue field', async () => {
      await arena.createPod({ namespace, name: 'a' });
      const refusal = await cluster.listPods(namespace, { limit: 1, continue: 'not-a-token' }).catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(ContinueTokenError);
      expect((refusal as ContinueTokenError).errors).toEqual([expect.objectContaining({ path: 'continue', code: 'invalid_continue' })]);
    });
  });
}
