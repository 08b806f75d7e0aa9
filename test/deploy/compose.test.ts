import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createTestNamespace, realClusterAvailable } from '../support/real-cluster.js';
import { argv, dependenciesOf, environmentOf, mountHolding, mountsOf, type ComposeFile } from './compose.js';

// No Docker engine on the development machines: docker-compose.yml is checked for the wiring that
// makes the walkthrough work, its kubeconfig script runs for real, and the demo Pod is validated
// by a real API server.

const ROOT = resolve(import.meta.dirname, '../..');
const compose = parse(readFileSync(resolve(ROOT, 'docker-compose.yml'), 'utf8')) as ComposeFile;
const { services } = compose;
const run = promisify(execFile);
const REWRITE_SCRIPT = resolve(ROOT, 'compose/rewrite-kubeconfig.sh');

describe('docker-compose.yml', () => {
  it('when started, then it runs k3s, the kubeconfig and htpasswd one-shots, the private registry and regcred', () => {
    expect(Object.keys(services).sort()).toEqual(['htpasswd', 'k3s', 'kubeconfig', 'regcred', 'registry']);
  });

  it('when images are pulled, then each is pinned to an exact version (never latest, no variable tag)', () => {
    for (const [name, service] of Object.entries(services)) {
      if (name === 'regcred') continue;
      expect(service.image, name).toMatch(/^[a-z0-9./-]+:v?\d+\.\d+(\.\d+)?[a-z0-9.-]*$/);
      expect(service.image, name).not.toMatch(/:latest$|\$/);
    }
  });

  it('when regcred is built, then it comes from the repository Dockerfile', () => {
    const build = services.regcred.build;
    const { context = '.', dockerfile = 'Dockerfile' } = typeof build === 'string' ? { context: build } : (build ?? {});
    expect(existsSync(resolve(ROOT, context, dockerfile))).toBe(true);
  });

  it('when regcred starts, then it uses the real cluster through the kubeconfig rewritten from the one k3s wrote', () => {
    const env = environmentOf(services.regcred);
    expect(env).toMatchObject({ REGCRED_CLUSTER: 'kubernetes', HOST: '0.0.0.0' });
    // regcred reads OUT of the kubeconfig one-shot, which reads what k3s wrote to K3S_KUBECONFIG_OUTPUT.
    const [, script, input, output] = argv(services.kubeconfig.command);
    expect(mountHolding(services.kubeconfig, script)).toMatchObject({ mount: { source: './compose/rewrite-kubeconfig.sh' } });
    const read = mountHolding(services.regcred, env.KUBECONFIG);
    const written = mountHolding(services.kubeconfig, output);
    expect(read, 'KUBECONFIG lies on a volume').toBeDefined();
    expect(read).toMatchObject({ mount: { source: written?.mount.source, readOnly: true }, relative: written?.relative });
    const k3sOutput = mountHolding(services.k3s, environmentOf(services.k3s).K3S_KUBECONFIG_OUTPUT);
    expect(mountHolding(services.kubeconfig, input)).toMatchObject({
      mount: { source: k3sOutput?.mount.source },
      relative: k3sOutput?.relative,
    });
    // The non-root regcred user must be able to read it.
    expect(Number.parseInt(environmentOf(services.k3s).K3S_KUBECONFIG_MODE, 8) & 0o004).toBeTruthy();
  });

  it('when regcred calls https://k3s:6443, then the certificate names that host and the kubeconfig points there', () => {
    expect(argv(services.k3s.command)).toContain('server');
    expect(argv(services.k3s.command)).toContain('--tls-san=k3s');
    expect(services.k3s.privileged).toBe(true);
    expect(environmentOf(services.kubeconfig).K3S_SERVER_URL).toBe('https://k3s:6443');
  });

  it('when regcred runs, then it is locked down as in deploy/: non-root, read-only root, no capabilities, loopback port', () => {
    expect(services.regcred).toMatchObject({ user: '1000:1000', read_only: true, cap_drop: ['ALL'] });
    expect(services.regcred.ports).toEqual([`127.0.0.1:8080:${environmentOf(services.regcred).PORT}`]);
    expect(services.regcred.healthcheck?.disable, "the image's HEALTHCHECK stays on").not.toBe(true);
  });

  it('when the registry starts, then it requires htpasswd (bcrypt) credentials from the file the htpasswd one-shot wrote', () => {
    const env = environmentOf(services.registry);
    expect(env).toMatchObject({ REGISTRY_AUTH: 'htpasswd' });
    expect(env.REGISTRY_AUTH_HTPASSWD_REALM).toBeTruthy();
    const read = mountHolding(services.registry, env.REGISTRY_AUTH_HTPASSWD_PATH);
    const script = argv(services.htpasswd.entrypoint).join(' ');
    expect(script).toMatch(/htpasswd -Bbn /);
    const written = mountHolding(services.htpasswd, /> (\S+)/.exec(script)![1]);
    expect(read).toMatchObject({ mount: { source: written?.mount.source, readOnly: true }, relative: written?.relative });
    expect(services.registry.ports).toEqual(['127.0.0.1:5000:5000']);
  });

  it("when a Pod's image is on registry:5000, then k3s's containerd reaches the compose registry there over HTTP", () => {
    const mount = mountsOf(services.k3s).find((m) => m.target === '/etc/rancher/k3s/registries.yaml');
    expect(mount?.readOnly).toBe(true);
    const registries = parse(readFileSync(resolve(ROOT, mount!.source), 'utf8')) as { mirrors: Record<string, { endpoint: string[] }> };
    expect(registries.mirrors['registry:5000'].endpoint).toEqual(['http://registry:5000']);
  });

  it('when services wait for each other, then every dependency exists, has a health check or is a one-shot, and the one-shots do not restart', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [target, condition] of Object.entries(dependenciesOf(service))) {
        expect(services[target], `${name} depends on ${target}`).toBeDefined();
        expect(['service_healthy', 'service_completed_successfully'], `${name} → ${target}`).toContain(condition);
        if (condition === 'service_healthy') expect(services[target].healthcheck?.test, `${target} has a health check`).toBeDefined();
        if (condition === 'service_completed_successfully') expect(services[target].restart, `${target} is a one-shot`).toBeUndefined();
      }
    }
    expect(dependenciesOf(services.regcred)).toEqual({ k3s: 'service_healthy', kubeconfig: 'service_completed_successfully' });
    expect(dependenciesOf(services.registry)).toEqual({ htpasswd: 'service_completed_successfully' });
  });

  it('when volumes are mounted, then named ones are declared and bind-mounted files exist in the repository', () => {
    const declared = Object.keys(compose.volumes ?? {});
    const used = new Set<string>();
    for (const [name, service] of Object.entries(services)) {
      for (const mount of mountsOf(service)) {
        if (mount.bind) expect(existsSync(resolve(ROOT, mount.source)), `${name}: ${mount.source}`).toBe(true);
        else {
          expect(declared, `${name}: volume ${mount.source}`).toContain(mount.source);
          used.add(mount.source);
        }
      }
    }
    expect([...used].sort()).toEqual([...declared].sort());
  });
});

describe('compose/rewrite-kubeconfig.sh', () => {
  const dir = mkdtempSync(join(tmpdir(), 'regcred-kubeconfig-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const k3sKubeconfig = [
    'apiVersion: v1',
    'clusters:',
    '- cluster:',
    '    certificate-authority-data: Q0EK',
    '    server: https://127.0.0.1:6443',
    '  name: default',
    'contexts: []',
    '',
  ].join('\n');

  it('when k3s wrote its kubeconfig, then the copy points at https://k3s:6443 and is otherwise the same, readable by all', async () => {
    writeFileSync(join(dir, 'in.yaml'), k3sKubeconfig);
    await run('sh', [REWRITE_SCRIPT, join(dir, 'in.yaml'), join(dir, 'out.yaml')], { env: { PATH: process.env.PATH } });
    expect(readFileSync(join(dir, 'out.yaml'), 'utf8')).toBe(k3sKubeconfig.replace('https://127.0.0.1:6443', 'https://k3s:6443'));
    expect((await run('stat', ['-c', '%a', join(dir, 'out.yaml')])).stdout.trim()).toBe('644');
  });

  it('when the kubeconfig is missing or names no local server, then it fails and writes nothing', async () => {
    writeFileSync(join(dir, 'other.yaml'), k3sKubeconfig.replace('https://127.0.0.1:6443', 'https://elsewhere:443'));
    for (const input of ['missing.yaml', 'other.yaml']) {
      await expect(run('sh', [REWRITE_SCRIPT, join(dir, input), join(dir, `${input}.out`)]), input).rejects.toThrow(/rewrite-kubeconfig/);
      expect(existsSync(join(dir, `${input}.out`))).toBe(false);
    }
  });
});

describe('compose/demo-pod.yaml', () => {
  const pod = parse(readFileSync(resolve(ROOT, 'compose/demo-pod.yaml'), 'utf8')) as {
    spec: { imagePullSecrets: { name: string }[]; containers: { image: string }[] };
  };

  it('when run in k3s, then it pulls from the compose registry with the pull secret regcred made', () => {
    expect(pod.spec.imagePullSecrets).toEqual([{ name: 'regcred' }]);
    expect(pod.spec.containers[0].image).toMatch(/^registry:5000\//);
  });

  it.skipIf(!realClusterAvailable())('when applied, then a real API server accepts it (server-side dry run)', async () => {
    const namespace = await createTestNamespace('compose-demo');
    try {
      // The kit has no controller to create the namespace's default ServiceAccount, which admission needs.
      await run('kubectl', ['create', 'serviceaccount', 'default', '-n', namespace.name]);
      const { stdout } = await run('kubectl', [
        'apply',
        '--dry-run=server',
        '-n',
        namespace.name,
        '-f',
        resolve(ROOT, 'compose/demo-pod.yaml'),
      ]);
      expect(stdout).toContain('pod/regcred-demo created (server dry run)');
    } finally {
      await namespace.remove();
    }
  });
});
