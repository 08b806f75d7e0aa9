import { describe, it, expect } from 'vitest';
import type { ExistingPod } from '../../../src/domain/pullcheck/pullcheck-model.js';
import { resolvePullSecrets } from '../../../src/domain/pullcheck/resolve-pull-secrets.js';
import { scanPods } from '../../../src/domain/pullcheck/scan-namespace.js';
import { fakePullcheck, pullSecret, whenPassword } from '../../support/fake-pullcheck.js';

const NS = 'team';
const regcred = pullSecret('regcred', { 'registry.example.com': ['ci', 'pw'] });
const existing = (
  name: string,
  imagePullSecrets: string[],
  waiting: ExistingPod['waiting'],
  serviceAccountName = 'default',
): ExistingPod => ({
  namespace: NS,
  name,
  spec: {
    serviceAccountName,
    imagePullSecrets,
    containers: [
      { kind: 'initContainer', name: 'init', image: 'registry.example.com/init:1' },
      { kind: 'container', name: 'app', image: 'registry.example.com/app:1' },
      { kind: 'container', name: 'sidecar', image: 'registry.example.com/sidecar:1' },
    ],
  },
  waiting,
});

describe('resolvePullSecrets: the ServiceAccount admission plugin', () => {
  it.each([
    ['the Pod lists secrets', ['mine'], ['sa'], { from: 'pod', names: ['mine'] }],
    ['the Pod lists none', [], ['sa', 'sa'], { from: 'serviceAccount', names: ['sa', 'sa'] }],
    ['the Pod lists none and the ServiceAccount is missing', [], undefined, { from: 'pod', names: [] }],
  ] as const)('when %s, then the secrets are %j', (_, own, linked, expected) => {
    const account = linked && { imagePullSecrets: [...linked] };

    expect(resolvePullSecrets({ imagePullSecrets: [...own], containers: [] }, account)).toEqual({ serviceAccount: 'default', ...expected });
  });
});

describe('scanPods: Pods waiting on a pull', () => {
  it('when only some containers wait with a pull reason, then only they are diagnosed, and Pods with none are left out', async () => {
    const fake = fakePullcheck({ secrets: [regcred], serviceAccounts: { default: ['regcred'] } });
    const checks = await scanPods(
      [
        existing(
          'stuck',
          ['regcred'],
          [
            { name: 'app', reason: 'ImagePullBackOff' },
            { name: 'sidecar', reason: 'CrashLoopBackOff' },
          ],
        ),
        existing('fine', ['regcred'], [{ name: 'app', reason: 'ContainerCreating' }]),
      ],
      fake.ports,
    );

    expect(checks.map((c) => [c.kind, c.name, c.containers.map((x) => x.name)])).toEqual([['Pod', 'stuck', ['app']]]);
  });

  it('when the Pod lacks a secret its ServiceAccount links now and that secret matches, then not-linked: re-create the Pod', async () => {
    const fake = fakePullcheck({ secrets: [regcred], serviceAccounts: { default: ['regcred'] } });
    const [check] = await scanPods([existing('old', [], [{ name: 'app', reason: 'ErrImagePull' }])], fake.ports);

    expect(check.containers[0]).toMatchObject({
      verdict: 'not-linked',
      fix: 're-create the Pod: it was admitted before its ServiceAccount linked "regcred"',
    });
    expect(check).toMatchObject({ pullSecretsFrom: 'pod', pullSecrets: [], willPull: false });
  });

  it('when the Pod has its secret and the registry refuses it, then unauthorized, not not-linked', async () => {
    const fake = fakePullcheck({
      secrets: [regcred],
      serviceAccounts: { default: ['regcred'] },
      registry: [whenPassword('pw', 'unauthorized')],
    });
    const [check] = await scanPods([existing('p', ['regcred'], [{ name: 'app', reason: 'ErrImagePull' }])], fake.ports);

    expect(check.containers[0]).toMatchObject({ verdict: 'unauthorized' });
    expect(check.containers[0].fix).toBe(
      'renew the credential of user "ci" in secret "regcred": registry.example.com refused it (wrong password or expired token)',
    );
  });

  it('when the ServiceAccount of an existing Pod is gone, then the Pod is still checked with what it was admitted with', async () => {
    const fake = fakePullcheck({ secrets: [regcred], serviceAccounts: {} });
    const [check] = await scanPods([existing('p', ['regcred'], [{ name: 'app', reason: 'ErrImagePull' }], 'deleted')], fake.ports);

    expect(check.containers[0].verdict).toBe('pulls');
  });

  it('when the image name is invalid, then InvalidImageName Pods get invalid-image', async () => {
    const pod = existing('p', [], [{ name: 'app', reason: 'InvalidImageName' }]);
    pod.spec.containers[1].image = 'registry.example.com/App';
    const [check] = await scanPods([pod], fakePullcheck().ports);

    expect(check.containers[0].verdict).toBe('invalid-image');
  });

  it('when a page of Pods shares repositories and credentials, then each distinct target is probed once and each secret read once', async () => {
    const fake = fakePullcheck({ secrets: [regcred], serviceAccounts: { default: ['regcred'] }, registry: [whenPassword('pw', 'denied')] });
    const waiting = [
      { name: 'init', reason: 'ErrImagePull' },
      { name: 'app', reason: 'ImagePullBackOff' },
    ];
    const pods = Array.from({ length: 10 }, (_, i) => existing(`p${i}`, ['regcred'], waiting));
    const checks = await scanPods(pods, fake.ports);

    expect(checks).toHaveLength(10);
    expect(checks.every((c) => c.containers.every((x) => x.verdict === 'denied'))).toBe(true);
    expect(fake.probes.map((p) => p.repository).sort()).toEqual(['app', 'init']);
    expect(fake.secretReads).toEqual(['regcred']);
  });
});
