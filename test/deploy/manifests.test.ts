import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AuthorizationV1Api, CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_WIDE_OPERATIONS, REQUIRED_PERMISSIONS } from '../../src/domain/access/access-policy.js';
import { eventually } from '../support/poll.js';
import { adminKubeConfig, realClusterAvailable } from '../support/real-cluster.js';
import { kubectl, kubectlAvailable } from '../support/kubectl.js';
import { find, normaliseRules, render, type KubeObject } from './kustomize.js';

// deploy/ rendered by kustomize (kubectl 1.32's), checked for its security settings and for RBAC
// that is exactly what regcred calls; with the real cluster enabled, the API server validates
// every object (server-side dry run) and answers SubjectAccessReviews against the RBAC applied
// for real.

const ROOT = resolve(import.meta.dirname, '../..');
const BASE = resolve(ROOT, 'deploy');
const NAMESPACED = resolve(ROOT, 'deploy/overlays/namespaced');
/** The kit is Kubernetes 1.20: PodDisruptionBudget only as policy/v1beta1. */
const KUBE_1_20 = [resolve(ROOT, 'deploy/components/pdb-policy-v1beta1')];
const SA = 'system:serviceaccount:regcred:regcred';
const SECRET_VERBS = ['create', 'delete', 'get', 'list', 'patch'];
const SERVICE_ACCOUNT_VERBS = ['get', 'list', 'patch'];
/** The pull check reads a Pod, or a namespace's Pods a page at a time (the distribution controller lists them too). */
const POD_VERBS = ['get', 'list'];
const NAMESPACE_RULES = ['core/namespaces:get', 'core/namespaces:list'];
const REVIEW_RULES = ['authentication.k8s.io/tokenreviews:create', 'authorization.k8s.io/subjectaccessreviews:create'];
/** What the distribution controller adds cluster-wide: watches, Pods to report, Events, and its own resource. */
const CONTROLLER_RULES = [
  'core/secrets:watch',
  'core/serviceaccounts:watch',
  'core/namespaces:watch',
  'core/events:create',
  ...['get', 'list', 'watch', 'create', 'patch', 'delete'].map((verb) => `regcred.io/pullsecretdistributions:${verb}`),
  'regcred.io/pullsecretdistributions/status:patch',
];
const LEASE_RULES = ['coordination.k8s.io/leases:get', 'coordination.k8s.io/leases:create', 'coordination.k8s.io/leases:update'];
/** What regcred may do in a namespace it serves: its Secrets, linking them to ServiceAccounts, and reading Pods for the pull check. */
const namespacedRules = () => [
  ...SECRET_VERBS.map((verb) => `core/secrets:${verb}`),
  ...SERVICE_ACCOUNT_VERBS.map((verb) => `core/serviceaccounts:${verb}`),
  ...POD_VERBS.map((verb) => `core/pods:${verb}`),
];

if (!kubectlAvailable()) console.warn('SKIPPED test/deploy/manifests.test.ts: kubectl is not on PATH (CI installs it)');

describe.skipIf(!kubectlAvailable())('deploy/ (kubectl apply -k deploy/)', () => {
  let objects: KubeObject[];
  beforeAll(async () => ({ objects } = await render(BASE)));
  const deployment = () => find(objects, 'Deployment', 'regcred')[0];
  const podSpec = () => deployment().spec.template.spec;
  const container = () => podSpec().containers[0];

  it('when rendered, then everything regcred needs is there, in namespace regcred', () => {
    expect(objects.map((o) => o.kind).sort()).toEqual(
      [
        'ClusterRole',
        'ClusterRole',
        'ClusterRoleBinding',
        'CustomResourceDefinition',
        'Deployment',
        'Namespace',
        'NetworkPolicy',
        'PodDisruptionBudget',
        'Role',
        'RoleBinding',
        'Service',
        'ServiceAccount',
      ].sort(),
    );
    const clusterScoped = ['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition'];
    for (const o of objects.filter((o) => !clusterScoped.includes(o.kind))) {
      expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe('regcred');
    }
  });

  it('when bound, then the ClusterRole and the leader-election Role grant exactly the calls regcred makes: secrets, serviceaccounts and namespaces with watch, pods get and list, events create, pullsecretdistributions, reviews; leases only in its own namespace', () => {
    const [role] = find(objects, 'ClusterRole', 'regcred');
    expect(normaliseRules(role.rules)).toEqual([...namespacedRules(), ...NAMESPACE_RULES, ...REVIEW_RULES, ...CONTROLLER_RULES].sort());
    const [leaderRole] = find(objects, 'Role', 'regcred-leader-election', 'regcred');
    expect(normaliseRules(leaderRole.rules)).toEqual([...LEASE_RULES].sort());
    expect(find(objects, 'RoleBinding', 'regcred-leader-election', 'regcred')[0].subjects).toEqual([
      { kind: 'ServiceAccount', name: 'regcred', namespace: 'regcred' },
    ]);
    expect(normaliseRules([...role.rules, ...leaderRole.rules]), 'the Operations declared in src/cluster/kubernetes/*.ts').toEqual(
      callsDeclaredByTheAdapter(),
    );
    const [binding] = find(objects, 'ClusterRoleBinding', 'regcred');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'regcred' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'regcred', namespace: 'regcred' }]);
    expect(podSpec().serviceAccountName).toBe('regcred');
    expect(podSpec().automountServiceAccountToken).toBe(true);
  });

  it('when a person or pipeline manages distributions, then regcred-distribution-editor grants the rights the API asks, cluster-wide, and is bound to no one', () => {
    const [editor] = find(objects, 'ClusterRole', 'regcred-distribution-editor');
    expect(normaliseRules(editor.rules)).toEqual(
      [
        ...['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'].map((verb) => `regcred.io/pullsecretdistributions:${verb}`),
        ...['create', 'patch', 'delete'].map((verb) => `core/secrets:${verb}`),
        ...['get', 'patch'].map((verb) => `core/serviceaccounts:${verb}`),
      ].sort(),
    );
    expect(objects.filter((o) => o.roleRef?.name === 'regcred-distribution-editor')).toEqual([]);
    const header = readFileSync(resolve(ROOT, 'deploy/base/clusterrole-distribution-editor.yaml'), 'utf8');
    expect(header).toMatch(/^# regcred-distribution-editor:.*\n#\n# THIS IS CLUSTER-WIDE PULL-SECRET WRITE\./);
    const asked = [...CLUSTER_WIDE_OPERATIONS].flatMap((operation) =>
      REQUIRED_PERMISSIONS[operation].map(({ verb, resource, group }) => `${group ?? 'core'}/${resource}:${verb}`),
    );
    for (const rule of asked) expect(normaliseRules(editor.rules), 'every right the API asks of a distribution caller').toContain(rule);
  });

  it('when the pods run, then they are non-root (UID 1000), read-only, unprivileged, without capabilities, under RuntimeDefault seccomp', () => {
    expect(podSpec().securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container().securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1000,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(container().securityContext.capabilities.add).toBeUndefined();
    expect(container().securityContext.privileged ?? false).toBe(false);
  });

  it('when the pods run, then they listen on 0.0.0.0:8080, use the in-cluster service account only, and are probed on /healthz and /readyz', () => {
    const env = Object.fromEntries(container().env.map((e: { name: string; value: string }) => [e.name, e.value]));
    expect(env).toMatchObject({ HOST: '0.0.0.0', PORT: '8080', REGCRED_CLUSTER: 'kubernetes', REGCRED_AUTH: 'kubernetes' });
    expect(container().ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(container().livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(container().readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    // /readyz may take REGCRED_CLUSTER_TIMEOUT_MS (5 s) to say the API server is down.
    expect(container().readinessProbe.timeoutSeconds).toBeGreaterThan(5);
  });

  it('when sized, then the memory limit leaves room above the 128 MB V8 heap cap, and requests are set', () => {
    const { requests, limits } = container().resources;
    expect(mebibytes(limits.memory)).toBeGreaterThanOrEqual(256);
    expect(mebibytes(requests.memory)).toBeGreaterThanOrEqual(128);
    expect(requests.cpu).toBeDefined();
    expect(limits.cpu).toBeDefined();
  });

  it('when a node drains or a rollout runs, then one or two replicas serve, the PDB allows an eviction and SIGTERM has time to drain', () => {
    expect(deployment().spec.replicas).toBeGreaterThanOrEqual(1);
    expect(deployment().spec.replicas).toBeLessThanOrEqual(2);
    const [pdb] = find(objects, 'PodDisruptionBudget', 'regcred');
    expect(pdb.apiVersion).toBe('policy/v1');
    expect(pdb.spec.selector.matchLabels).toEqual(deployment().spec.selector.matchLabels);
    const allowed = pdb.spec.maxUnavailable ?? deployment().spec.replicas - pdb.spec.minAvailable;
    expect(allowed, 'a PDB that allows no eviction blocks every node drain').toBeGreaterThanOrEqual(1);
    // main.ts drains for up to 10 s after SIGTERM, after the preStop pause.
    expect(podSpec().terminationGracePeriodSeconds).toBeGreaterThan(10 + Number(container().lifecycle?.preStop?.exec?.command?.[1] ?? 0));
  });

  it('when called in the cluster, then the Service maps port 80 to the pods’ 8080', () => {
    const [service] = find(objects, 'Service', 'regcred');
    expect(service.spec.type).toBe('ClusterIP');
    expect(service.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
    expect(deployment().spec.template.metadata.labels).toMatchObject(service.spec.selector);
  });

  it('when traffic flows, then the NetworkPolicy lets in 8080 only and lets out the API server (443/6443) and DNS only', () => {
    const [policy] = find(objects, 'NetworkPolicy', 'regcred');
    expect(deployment().spec.template.metadata.labels).toMatchObject(policy.spec.podSelector.matchLabels);
    expect([...policy.spec.policyTypes].sort()).toEqual(['Egress', 'Ingress']);
    const ports = (rules: { ports?: { port: number; protocol: string }[] }[]) =>
      rules.flatMap((r) => (r.ports ?? [undefined]).map((p) => (p ? `${p.port}/${p.protocol}` : 'any'))).sort();
    expect(ports(policy.spec.ingress)).toEqual(['8080/TCP']);
    expect(ports(policy.spec.egress)).toEqual(['443/TCP', '53/TCP', '53/UDP', '6443/TCP']);
  });

  it('when the cluster is 1.20 or older, then the pdb-policy-v1beta1 component only changes the PDB apiVersion', async () => {
    const legacy = (await render(BASE, KUBE_1_20)).objects;
    const [pdb] = find(legacy, 'PodDisruptionBudget', 'regcred');
    expect(pdb.apiVersion).toBe('policy/v1beta1');
    expect({ ...pdb, apiVersion: 'policy/v1' }).toEqual(find(objects, 'PodDisruptionBudget', 'regcred')[0]);
    expect(legacy.filter((o) => o.kind !== 'PodDisruptionBudget')).toEqual(objects.filter((o) => o.kind !== 'PodDisruptionBudget'));
  });
});

describe.skipIf(!kubectlAvailable())('deploy/overlays/namespaced', () => {
  let base: KubeObject[];
  let objects: KubeObject[];
  beforeAll(async () => {
    ({ objects: base } = await render(BASE));
    ({ objects } = await render(NAMESPACED));
  });

  it('when bound, then the ClusterRole keeps only namespaces get/list and the review creates: no cluster-wide secrets or serviceaccounts', () => {
    expect(normaliseRules(find(objects, 'ClusterRole', 'regcred')[0].rules)).toEqual([...NAMESPACE_RULES, ...REVIEW_RULES].sort());
    expect(find(objects, 'ClusterRoleBinding', 'regcred')[0].subjects).toEqual([
      { kind: 'ServiceAccount', name: 'regcred', namespace: 'regcred' },
    ]);
  });

  it('when bound, then each listed namespace grants the same secrets and serviceaccounts verbs to regcred through a Role and a RoleBinding', () => {
    for (const namespace of ['team-a', 'team-b']) {
      const [role] = find(objects, 'Role', 'regcred', namespace);
      expect(normaliseRules(role.rules), namespace).toEqual(namespacedRules().sort());
      const [binding] = find(objects, 'RoleBinding', 'regcred', namespace);
      expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'regcred' });
      expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'regcred', namespace: 'regcred' }]);
    }
  });

  it('when rendered, then everything but the RBAC and the controller switch is the base, unchanged', () => {
    const rbac = ['ClusterRole', 'Role', 'RoleBinding'];
    const withoutSwitch = (list: KubeObject[]) => structuredClone(list.filter((o) => !rbac.includes(o.kind))).map(dropControllerSwitch);
    expect(withoutSwitch(objects)).toEqual(withoutSwitch(base));
  });

  it('when rendered, then the distribution controller is off: it needs cluster-wide watches the overlay does not grant', () => {
    const env = find(objects, 'Deployment', 'regcred')[0].spec.template.spec.containers[0].env as Array<{ name: string; value?: string }>;
    expect(env).toContainEqual({ name: 'REGCRED_CONTROLLER', value: 'off' });
  });
});

describe.skipIf(!kubectlAvailable() || !realClusterAvailable())(
  'deploy/ on a real API server (Kubernetes 1.20, with pdb-policy-v1beta1)',
  () => {
    // The manifests' namespaces must exist for a dry run of what goes in them; those this run creates, it removes.
    const needed = ['regcred', 'team-a', 'team-b'];
    const created: string[] = [];
    let core: CoreV1Api;

    beforeAll(async () => {
      core = adminKubeConfig().makeApiClient(CoreV1Api);
      const existing = (await core.listNamespace()).items.map((n) => n.metadata?.name);
      for (const name of needed.filter((n) => !existing.includes(n))) {
        await core.createNamespace({ body: { metadata: { name } } });
        created.push(name);
      }
      const clusterRole = await kubectl(['get', 'clusterrole', 'regcred', '--ignore-not-found', '-o', 'name']);
      if (clusterRole.stdout.trim()) throw new Error('the kit already has a ClusterRole "regcred": these tests would overwrite it');
    });

    afterAll(async () => {
      for (const name of created) {
        await core.deleteNamespace({ name }).catch(() => undefined);
        // No namespace controller in the kit: drop the finalizer, or the namespace stays Terminating.
        await core.replaceNamespaceFinalize({ name, body: { metadata: { name }, spec: { finalizers: [] } } });
      }
    });

    for (const [title, directory] of [
      ['the base', BASE],
      ['the namespaced overlay', NAMESPACED],
    ] as const) {
      it(`when ${title} is applied (server-side dry run), then the API server accepts every object`, async () => {
        const { objects, yaml } = await render(directory, KUBE_1_20);
        const result = await kubectl(['apply', '--dry-run=server', '-f', '-'], yaml);
        expect(result.stderr.replace(/^Warning: .*last-applied-configuration.*\n?/gm, '')).toBe('');
        expect(result.code).toBe(0);
        expect(result.stdout.match(/\(server dry run\)$/gm)).toHaveLength(objects.length);
      });
    }

    it('when the base RBAC is applied, then the API server lets regcred make its calls in every namespace and nothing more', async () => {
      await withRbacApplied(BASE, async () => {
        for (const namespace of ['team-a', 'kube-system']) {
          for (const verb of SECRET_VERBS) expect(await canI(verb, 'secrets', namespace), `${verb} secrets in ${namespace}`).toBe(true);
          for (const verb of ['update', 'deletecollection']) expect(await canI(verb, 'secrets', namespace), `${verb} secrets`).toBe(false);
          expect(await canI('watch', 'secrets', namespace)).toBe(true);
          for (const verb of SERVICE_ACCOUNT_VERBS)
            expect(await canI(verb, 'serviceaccounts', namespace), `${verb} serviceaccounts in ${namespace}`).toBe(true);
          for (const verb of ['create', 'update', 'delete'])
            expect(await canI(verb, 'serviceaccounts', namespace), `${verb} serviceaccounts`).toBe(false);
          expect(await canI('create', 'serviceaccounts/token', namespace)).toBe(false);
        }
        expect(await canI('get', 'namespaces/team-a')).toBe(true);
        expect(await canI('list', 'namespaces')).toBe(true);
        expect(await canI('create', 'namespaces')).toBe(false);
        expect(await canI('patch', 'namespaces/team-a')).toBe(false);
        expect(await canI('watch', 'namespaces')).toBe(true);
        expect(await canI('list', 'pods', 'team-a')).toBe(true);
        expect(await canI('get', 'pods', 'team-a')).toBe(true);
        expect(await canI('create', 'pods', 'team-a')).toBe(false);
        expect(await canI('update', 'leases', 'regcred')).toBe(true);
        expect(await canI('update', 'leases', 'team-a')).toBe(false);
      });
    });

    it('when the namespaced RBAC is applied, then regcred can make its calls in the listed namespaces only', async () => {
      await withRbacApplied(NAMESPACED, async () => {
        for (const namespace of ['team-a', 'team-b']) {
          for (const verb of SECRET_VERBS) expect(await canI(verb, 'secrets', namespace), `${verb} secrets in ${namespace}`).toBe(true);
          expect(await canI('update', 'secrets', namespace)).toBe(false);
          for (const verb of SERVICE_ACCOUNT_VERBS)
            expect(await canI(verb, 'serviceaccounts', namespace), `${verb} serviceaccounts in ${namespace}`).toBe(true);
          for (const verb of ['create', 'update', 'delete']) expect(await canI(verb, 'serviceaccounts', namespace)).toBe(false);
          for (const verb of POD_VERBS) expect(await canI(verb, 'pods', namespace), `${verb} pods in ${namespace}`).toBe(true);
        }
        for (const namespace of ['kube-system', 'default']) {
          for (const verb of SECRET_VERBS) expect(await canI(verb, 'secrets', namespace), `${verb} secrets in ${namespace}`).toBe(false);
          for (const verb of SERVICE_ACCOUNT_VERBS)
            expect(await canI(verb, 'serviceaccounts', namespace), `${verb} serviceaccounts in ${namespace}`).toBe(false);
          for (const verb of POD_VERBS) expect(await canI(verb, 'pods', namespace), `${verb} pods in ${namespace}`).toBe(false);
        }
        expect(await canI('get', 'namespaces/kube-system')).toBe(true);
        expect(await canI('list', 'namespaces')).toBe(true);
        expect(await canI('patch', 'namespaces/kube-system')).toBe(false);
      });
    });
  },
);

function dropControllerSwitch(o: KubeObject): KubeObject {
  if (o.kind !== 'Deployment') return o;
  const container = o.spec.template.spec.containers[0];
  container.env = (container.env as Array<{ name: string }>).filter((e) => e.name !== 'REGCRED_CONTROLLER');
  return o;
}

/** Applies the RBAC objects of a rendering for real, runs the checks, and deletes them again. */
async function withRbacApplied(directory: string, check: () => Promise<void>): Promise<void> {
  const { objects } = await render(directory, KUBE_1_20);
  const rbac = objects.filter((o) => o.apiVersion.startsWith('rbac.authorization.k8s.io/'));
  const json = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: rbac });
  const applied = await kubectl(['apply', '-f', '-'], json);
  try {
    expect(applied.code, applied.stderr).toBe(0);
    // The RBAC authorizer reads roles from a cache that catches up a moment after the apply.
    await eventually(async () => expect(await canI('list', 'namespaces')).toBe(true));
    await check();
  } finally {
    await kubectl(['delete', '--ignore-not-found', '-f', '-'], json);
  }
}

/**
 * What `kubectl auth can-i --as=<SA>` asks, without a kubectl process per question: a
 * SubjectAccessReview for regcred's ServiceAccount with the groups the API server gives it.
 */
async function canI(verb: string, resource: string, namespace?: string): Promise<boolean> {
  const [plural, nameOrSubresource] = resource.split('/');
  const named = plural === 'namespaces' ? { name: nameOrSubresource } : { subresource: nameOrSubresource };
  const review = await adminKubeConfig()
    .makeApiClient(AuthorizationV1Api)
    .createSubjectAccessReview({
      body: {
        spec: {
          user: SA,
          groups: ['system:serviceaccounts', 'system:serviceaccounts:regcred', 'system:authenticated'],
          resourceAttributes: {
            verb,
            resource: plural,
            namespace,
            ...named,
            ...(plural === 'leases' ? { group: 'coordination.k8s.io' } : {}),
          },
        },
      },
    });
  return review.status?.allowed === true;
}

/** Every `{ verb, resource }` Operation the real adapter's files declare for their API calls, as normalised rules. */
function callsDeclaredByTheAdapter(): string[] {
  const directory = resolve(ROOT, 'src/cluster/kubernetes');
  const groups: Record<string, string> = {
    tokenreviews: 'authentication.k8s.io',
    subjectaccessreviews: 'authorization.k8s.io',
    leases: 'coordination.k8s.io',
    pullsecretdistributions: 'regcred.io',
  };
  const calls = new Set<string>();
  for (const file of readdirSync(directory).filter((f) => f.endsWith('.ts'))) {
    const text = readFileSync(resolve(directory, file), 'utf8');
    for (const [, verb, resource, subresource] of text.matchAll(/verb: '(\w+)', resource: '(\w+)'(?:, subresource: '(\w+)')?/g)) {
      calls.add(`${groups[resource] ?? 'core'}/${resource}${subresource ? `/${subresource}` : ''}:${verb}`);
    }
  }
  return [...calls].sort();
}

function mebibytes(quantity: string): number {
  const match = /^(\d+)(Mi|Gi)$/.exec(quantity);
  if (!match) throw new Error(`unexpected memory quantity ${quantity}`);
  return Number(match[1]) * (match[2] === 'Gi' ? 1024 : 1);
}
