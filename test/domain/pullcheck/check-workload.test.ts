import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { checkWorkloads } from '../../../src/domain/pullcheck/check-workload.js';
import { matchImages, type PullSecretSource } from '../../../src/domain/match/match-images.js';
import type { ProbeResult, ProbeTarget, Workload } from '../../../src/domain/pullcheck/pullcheck-model.js';
import { READ_BUDGET_BYTES } from '../../../src/domain/pull-secrets/read-budget.js';
import { PROBE_CONCURRENCY } from '../../../src/domain/pullcheck/pullcheck-ports.js';
import { workloadsOf } from '../../../src/domain/pullcheck/workload-manifest.js';
import type { KubectlVectorFile } from '../../support/kubectl-create-secret.js';
import { fakePullcheck, pullSecret, whenAnonymous, type FakeNamespace } from '../../support/fake-pullcheck.js';

const NS = 'team';
const DIGEST = `sha256:${'a'.repeat(64)}`;
const pod = (images: string[], imagePullSecrets: string[] = [], kind: Workload['kind'] = 'Pod', name = 'p'): Workload => ({
  kind,
  name,
  pod: { imagePullSecrets, containers: images.map((image, i) => ({ kind: 'container', name: `c${i}`, image })) },
});
async function check(world: FakeNamespace, workloads: Workload[]) {
  const fake = fakePullcheck(world);
  return { checks: await checkWorkloads(workloads, NS, fake.ports), fake };
}

describe('checkWorkloads: references, pull policy and notes', () => {
  it('when the image names a digest, then the probe asks for the digest and the reference keeps it', async () => {
    const { checks, fake } = await check({ registry: [whenAnonymous('pulls')] }, [pod([`ghcr.io/acme/api@${DIGEST}`])]);
    const [container] = checks[0].containers;

    expect(fake.probes).toEqual([{ registry: 'ghcr.io', repository: 'acme/api', reference: DIGEST, as: 'anonymous' }]);
    expect(container).toMatchObject({ reference: `ghcr.io/acme/api@${DIGEST}`, pullPolicy: 'IfNotPresent', verdict: 'pulls-anonymously' });
    expect(container.notes.join(' ')).toContain('a node that already has it does not pull it');
  });

  it('when the image has a tag and a digest, then the digest decides and both are shown', async () => {
    const { checks, fake } = await check({}, [pod([`ghcr.io/acme/api:1.0@${DIGEST}`])]);

    expect(fake.probes[0].reference).toBe(DIGEST);
    expect(checks[0].containers[0].reference).toBe(`ghcr.io/acme/api:1.0@${DIGEST}`);
  });

  it('when the image is "nginx", then it is normalised, pulled from Docker Hub as library/nginx:latest, Always, with the mirrors note', async () => {
    const { checks, fake } = await check({ registry: [whenAnonymous('pulls')] }, [pod(['nginx'])]);
    const [container] = checks[0].containers;

    expect(fake.probes[0]).toMatchObject({ registry: 'docker.io', repository: 'library/nginx', reference: 'latest' });
    expect(container).toMatchObject({ reference: 'docker.io/library/nginx:latest', pullPolicy: 'Always' });
    expect(container.notes.join(' ')).toContain('registry mirrors are out of scope');
  });

  it('when imagePullPolicy is Never, then the answer says the kubelet never pulls', async () => {
    const workload = pod(['registry.example.com/app:1']);
    workload.pod.containers[0].imagePullPolicy = 'Never';
    const { checks } = await check({}, [workload]);

    expect(checks[0].containers[0].notes[0]).toContain('the kubelet never pulls this image');
  });

  it.each([
    ['123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1', 'Amazon ECR'],
    ['123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/app:1', 'Amazon ECR'],
    ['europe-docker.pkg.dev/proj/repo/app:1', 'Google Artifact Registry'],
    ['gcr.io/proj/app:1', 'Google Artifact Registry'],
    ['eu.gcr.io/proj/app:1', 'Google Artifact Registry'],
    ['acme.azurecr.io/app:1', 'Azure Container Registry'],
    ['acme.azurecr.cn/app:1', 'Azure Container Registry'],
  ])('when %s has no matching secret, then a note says the node may still pull (%s)', async (image, cloud) => {
    const { checks } = await check({}, [pod([image])]);
    const [container] = checks[0].containers;

    expect(container.verdict).toBe('no-credential');
    expect(container.notes.join(' ')).toContain(
      `is ${cloud} and no pull secret matches it: the node's own credential provider may still pull it`,
    );
  });

  it('when a matching secret exists for a cloud host, then there is no credential provider note', async () => {
    const secret = pullSecret('ecr', { 'acme.azurecr.io': ['00000000-0000-0000-0000-000000000000', 'tok'] });
    const { checks } = await check({ secrets: [secret] }, [pod(['acme.azurecr.io/app:1'], ['ecr'])]);

    expect(checks[0].containers[0].notes.join(' ')).not.toContain('credential provider');
  });

  it('when the kubelet would be surprised, then the match simulator warnings are notes', async () => {
    const secret = pullSecret('regcred', { 'registry.example.com:5000': ['ci', 'pw'] });
    const { checks } = await check({ secrets: [secret] }, [pod(['registry.example.com/app:1'], ['regcred'])]);

    expect(checks[0].containers[0].notes.join(' ')).toContain('does not apply: it names port 5000 and the image no port');
  });

  it('when init, regular and ephemeral containers are given, then each is checked, its kind kept', async () => {
    const [workload] = workloadsOf(
      {
        kind: 'Pod',
        metadata: { name: 'p' },
        spec: {
          initContainers: [{ name: 'i', image: 'busybox' }],
          containers: [{ name: 'c', image: 'nginx' }],
          ephemeralContainers: [{ name: 'e', image: 'alpine' }],
        },
      },
      NS,
    );
    const { checks } = await check({ registry: [whenAnonymous('pulls')] }, [workload]);

    expect(checks[0].containers.map((c) => [c.kind, c.name, c.verdict])).toEqual([
      ['initContainer', 'i', 'pulls-anonymously'],
      ['container', 'c', 'pulls-anonymously'],
      ['ephemeralContainer', 'e', 'pulls-anonymously'],
    ]);
    expect(checks[0]).toMatchObject({ kind: 'Pod', namespace: NS, serviceAccount: 'default', willPull: true });
  });

  it('when one container of a workload fails, then willPull is false', async () => {
    const { checks } = await check({ registry: [(t) => (t.repository === 'library/nginx' ? 'pulls' : undefined)] }, [
      pod(['nginx', 'private.example.com/x:1']),
    ]);

    expect(checks[0].containers.map((c) => c.verdict)).toEqual(['pulls-anonymously', 'no-credential']);
    expect(checks[0].willPull).toBe(false);
  });
});

describe('checkWorkloads: the ServiceAccount admission rule', () => {
  const regcred = pullSecret('regcred', { 'registry.example.com': ['ci', 'pw'] });

  it('when the template lists no secrets, then those of its ServiceAccount are used', async () => {
    const workload = pod(['registry.example.com/app:1'], [], 'Deployment');
    workload.pod.serviceAccountName = 'builder';
    const { checks } = await check({ secrets: [regcred], serviceAccounts: { builder: ['regcred'] } }, [workload]);

    expect(checks[0]).toMatchObject({
      serviceAccount: 'builder',
      pullSecretsFrom: 'serviceAccount',
      pullSecrets: ['regcred'],
      willPull: true,
    });
  });

  it('when the template lists secrets, then the ServiceAccount adds none', async () => {
    const { checks } = await check({ secrets: [regcred], serviceAccounts: { default: ['regcred'] } }, [
      pod(['registry.example.com/app:1'], ['mine']),
    ]);

    expect(checks[0]).toMatchObject({ pullSecretsFrom: 'pod', pullSecrets: ['mine'] });
  });
});

describe('checkWorkloads: each target probed once per request, probes bounded', () => {
  it('when workloads share images and credentials, then each distinct (credential, registry, repository, reference) is probed once', async () => {
    const a = pullSecret('a', { 'registry.example.com': ['ci', 'pw'] });
    const b = pullSecret('b', { 'registry.example.com': ['ci', 'pw'] });
    const images = ['registry.example.com/app:1', 'registry.example.com/app:1', 'registry.example.com/app:2', 'nginx'];
    const { fake } = await check({ secrets: [a, b], serviceAccounts: { default: ['a'] } }, [
      pod(images, [], 'Deployment', 'one'),
      pod(images, ['b'], 'Job', 'two'),
      pod(images, [], 'CronJob', 'three'),
    ]);

    expect(fake.probes.map((p) => `${p.as} ${p.repository}:${p.reference}`).sort()).toEqual([
      'anonymous library/nginx:latest',
      'ci:pw app:1',
      'ci:pw app:2',
    ]);
    expect(fake.secretReads.filter((name) => name === 'a')).toHaveLength(1);
  });

  it(`when many containers wait on the registry, then at most ${PROBE_CONCURRENCY} probes run at once`, async () => {
    const fake = fakePullcheck();
    let running = 0;
    let most = 0;
    fake.ports.probe = {
      probe: async (_: ProbeTarget): Promise<ProbeResult> => {
        most = Math.max(most, ++running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running--;
        return { outcome: 'pulls', detail: 'ok' };
      },
    };
    const images = Array.from({ length: 12 }, (_, i) => `registry.example.com/app${i}:1`);
    const [result] = await checkWorkloads([pod(images)], NS, fake.ports);

    expect(result.willPull).toBe(true);
    expect(most).toBe(PROBE_CONCURRENCY);
  });

  it('when the listed secrets weigh more than the read budget, then the one past it counts as unreadable, with the reason', async () => {
    const heavy = (name: string) => {
      const secret = pullSecret(name, { 'registry.example.com': ['ci', 'pw'] });
      return { ...secret, data: { ...secret.data, padding: 'x'.repeat(READ_BUDGET_BYTES / 2 + 1) } };
    };
    const { checks } = await check({ secrets: [heavy('a'), heavy('b')] }, [pod(['registry.example.com/app:1'], ['a', 'b'])]);

    expect(checks[0].containers[0].secrets).toEqual([
      { name: 'a', state: 'used' },
      { name: 'b', state: 'unreadable', reason: `past the ${READ_BUDGET_BYTES} bytes of secret data one check reads` },
    ]);
    expect(checks[0].containers[0].verdict).toBe('pulls');
  });

  it('when the probe throws, then the answer is unreachable in safe words, never its message', async () => {
    const fake = fakePullcheck();
    fake.ports.probe = {
      probe: () => Promise.reject(new Error('socket hang up at https://user:hunter2@registry')),
    };
    const [result] = await checkWorkloads([pod(['registry.example.com/app:1'])], NS, fake.ports);

    expect(result.containers[0].verdict).toBe('registry-unreachable');
    expect(JSON.stringify(result)).not.toContain('hunter2');
  });
});

describe('the credentials tried follow the kubelet (the oracle vectors of kubelet-keyring.test.ts and kubectl)', () => {
  // TestDockerKeyringLookup (pkg/credentialprovider/keyring_test.go): every credential refused, so every one is tried.
  const lookup = {
    name: 'lookup',
    type: 'kubernetes.io/dockercfg',
    data: {
      '.dockercfg': Buffer.from(
        JSON.stringify({
          'bar.example.com/pong': { username: 'grace', password: 'squash', email: 'grace@example.com' },
          'bar.example.com': { username: 'ada', password: 'smash', email: 'ada@example.com' },
        }),
      ).toString('base64'),
    },
  } satisfies PullSecretSource;

  // The Go test's bare "bar.example.com" is a repository there; as an image it would name Docker Hub's library/bar.example.com.
  it.each([
    ['bar.example.com/app', ['ada:smash']],
    ['bar.example.com/pong', ['grace:squash', 'ada:smash']],
    ['bar.example.com/ping', ['ada:smash']],
    ['bar.example.com/pongz', ['grace:squash', 'ada:smash']],
    ['bar.example.com/pong/pang', ['grace:squash', 'ada:smash']],
  ])(
    'when the image is %j and every credential is refused, then they are tried as %j, and as matchImages lists them',
    async (image, order) => {
      const { checks, fake } = await check({ secrets: [lookup], registry: [() => 'unauthorized'] }, [pod([`${image}:1`], ['lookup'])]);
      const [container] = checks[0].containers;

      expect(fake.probes.map((p) => p.as)).toEqual(order);
      const simulated = matchImages([`${image}:1`], { secrets: [lookup] }).images[0].entries;
      expect(container.tried.map((t) => [t.secret, t.server, t.username])).toEqual(simulated.map((e) => [e.secret, e.server, e.username]));
      expect(container.verdict).toBe('unauthorized');
    },
  );

  it.each([['example.com'], ['foo.example.com']])(
    'when the image is %j, then nothing matches and only an anonymous pull is tried',
    async (image) => {
      const { fake } = await check({ secrets: [lookup] }, [pod([`${image}/app:1`], ['lookup'])]);

      expect(fake.probes.map((p) => p.as)).toEqual(['anonymous']);
    },
  );

  const recorded = JSON.parse(readFileSync(new URL('../../fixtures/kubectl-vectors.json', import.meta.url), 'utf8')) as KubectlVectorFile;
  const imageOn: Record<string, string> = {
    'https://index.docker.io/v1/': 'acme/app:1',
    'http://host:5000/path': 'host:5000/path/app:1',
    'registry.example.com:5000': 'registry.example.com:5000/app:1',
    'https://Reg.example.com/v2/?a=1&b=<2>': 'Reg.example.com/app:1',
  };

  it.each(recorded.vectors)(
    'when the secret is what kubectl wrote ($description), then its credential is presented as typed',
    async (vector) => {
      const secret = { name: 'kubectl', type: vector.kubectl.type, data: { '.dockerconfigjson': vector.kubectl.dockerConfigJsonBase64 } };
      const { checks, fake } = await check({ secrets: [secret] }, [
        pod([imageOn[vector.server ?? 'https://index.docker.io/v1/']], ['kubectl']),
      ]);

      // Go's encoder writes a lone surrogate as U+FFFD, so that is what the kubelet reads.
      expect(fake.probes.map((p) => p.as)).toEqual([`${vector.username}:${vector.password.toWellFormed()}`]);
      expect(checks[0].containers[0].verdict).toBe('pulls');
    },
  );
});

describe('checkWorkloads: a request that ends', () => {
  it('when the request is aborted while a probe runs, then the check ends with the abort, not with a verdict', async () => {
    const fake = fakePullcheck();
    const controller = new AbortController();
    let started: () => void;
    const probing = new Promise<void>((resolve) => (started = resolve));
    fake.ports.probe = {
      probe: (_: ProbeTarget, signal?: AbortSignal) =>
        new Promise<ProbeResult>((_resolve, reject) => {
          signal?.addEventListener('abort', () => reject(signal.reason as Error));
          started();
        }),
    };
    const pending = checkWorkloads([pod(['registry.example.com/app:1'])], NS, fake.ports, controller.signal);
    await probing;
    controller.abort(new Error('client went away'));

    await expect(pending).rejects.toThrow('client went away');
  });

  it('when the request was aborted before a probe, then no probe is made', async () => {
    const fake = fakePullcheck();
    const controller = new AbortController();
    controller.abort(new Error('gone'));

    await expect(checkWorkloads([pod(['registry.example.com/app:1'])], NS, fake.ports, controller.signal)).rejects.toThrow('gone');
    expect(fake.probes).toEqual([]);
  });
});
