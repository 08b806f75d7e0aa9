import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCluster, type ClusterEnvironment } from '../../src/cluster/create-cluster.js';
import { KubernetesCluster } from '../../src/cluster/kubernetes/cluster.js';
import { MemoryCluster } from '../../src/cluster/memory/cluster.js';
import { ConfigError, defaultConfig } from '../../src/config.js';

const TOKEN = 'sekret-token-0123456789';

function kubeconfigYaml(context: string, server: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${context}-cluster`,
    `  cluster: {server: "${server}"}`,
    'users:',
    `- name: ${context}-user`,
    `  user: {token: "${TOKEN}"}`,
    'contexts:',
    `- name: ${context}`,
    `  context: {cluster: ${context}-cluster, user: ${context}-user}`,
    `current-context: ${context}`,
    '',
  ].join('\n');
}

describe('createCluster picks the adapter', () => {
  let dir: string;
  let env: ClusterEnvironment;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'regcred-create-cluster-'));
    mkdirSync(join(dir, 'home'));
    // Nothing found by default: an empty home, not in a pod.
    env = { homeDir: join(dir, 'home'), serviceHost: undefined, servicePort: undefined, serviceAccountDir: join(dir, 'serviceaccount') };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const writeFile = (name: string, text: string) => {
    const path = join(dir, name);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text);
    return path;
  };

  describe('REGCRED_CLUSTER=memory', () => {
    it('uses the in-memory cluster with the configured namespaces, even when a kubeconfig exists', async () => {
      const kubeconfig = writeFile('kubeconfig', kubeconfigYaml('real', 'https://10.1.2.3:6443'));
      const selected = await createCluster(defaultConfig({ cluster: 'memory', kubeconfig, memoryNamespaces: ['a', 'b'] }), env);
      expect(selected).toMatchObject({ kind: 'memory', reason: 'REGCRED_CLUSTER=memory' });
      expect(selected.cluster).toBeInstanceOf(MemoryCluster);
      expect(selected.description).toMatch(/in-memory.*a, b.*nothing is persisted/);
      expect(await selected.cluster.namespaceExists('b')).toBe(true);
    });
  });

  describe('REGCRED_CLUSTER=auto', () => {
    it('when KUBECONFIG names a file, then it uses that cluster, described by context and server, never the token', async () => {
      const kubeconfig = writeFile('kubeconfig', kubeconfigYaml('dev', 'https://user:pw@10.1.2.3:6443'));
      const selected = await createCluster(defaultConfig({ cluster: 'auto', kubeconfig }), env);
      expect(selected.kind).toBe('kubernetes');
      expect(selected.cluster).toBeInstanceOf(KubernetesCluster);
      expect(selected.description).toBe('Kubernetes API server https://10.1.2.3:6443 (kubeconfig context "dev")');
      expect(selected.reason).toBe(`REGCRED_CLUSTER=auto: using the kubeconfig from KUBECONFIG=${kubeconfig}`);
      for (const shown of [JSON.stringify(selected), inspect(selected, { depth: 10 })]) {
        expect(shown).not.toContain(TOKEN);
        expect(shown).not.toContain('user:pw');
      }
    });

    it('when KUBECONFIG lists several files, then the first current-context wins, as with kubectl', async () => {
      const first = writeFile('one', kubeconfigYaml('first', 'https://10.0.0.1'));
      const second = writeFile('two', kubeconfigYaml('second', 'https://10.0.0.2'));
      const selected = await createCluster(defaultConfig({ kubeconfig: [join(dir, 'absent'), first, second].join(delimiter) }), env);
      expect(selected.description).toBe('Kubernetes API server https://10.0.0.1 (kubeconfig context "first")');
    });

    it('when ~/.kube/config exists, then it uses it', async () => {
      const homeConfig = writeFile('home/.kube/config', kubeconfigYaml('home', 'https://10.9.9.9:443'));
      const selected = await createCluster(defaultConfig({ cluster: 'auto' }), env);
      expect(selected).toMatchObject({ kind: 'kubernetes', reason: `REGCRED_CLUSTER=auto: using the kubeconfig from ${homeConfig}` });
      expect(selected.description).toContain('https://10.9.9.9');
    });

    it("when running in a pod (service host and service-account token), then it uses the pod's service account", async () => {
      writeFile('serviceaccount/token', TOKEN);
      writeFile('serviceaccount/ca.crt', '');
      const inPod = { ...env, serviceHost: 'fd00::1', servicePort: '443' };
      const selected = await createCluster(defaultConfig({ cluster: 'auto' }), inPod);
      expect(selected).toMatchObject({ kind: 'kubernetes', reason: "REGCRED_CLUSTER=auto: using the pod's service account" });
      expect(selected.description).toBe('Kubernetes API server https://[fd00::1] (kubeconfig context "in-cluster")');
    });

    it('when nothing is found, then it falls back to the in-memory cluster and says what it looked for', async () => {
      const selected = await createCluster(defaultConfig({ cluster: 'auto' }), env);
      expect(selected.kind).toBe('memory');
      expect(selected.reason).toBe(
        'REGCRED_CLUSTER=auto and no cluster configuration was found: KUBECONFIG is not set, ' +
          `${join(dir, 'home', '.kube', 'config')} does not exist, KUBERNETES_SERVICE_HOST is not set (not in a pod)`,
      );
    });

    it('when KUBECONFIG names a file that does not exist, then it refuses to start rather than fall back', async () => {
      const kubeconfig = join(dir, 'typo');
      await expect(createCluster(defaultConfig({ cluster: 'auto', kubeconfig }), env)).rejects.toThrow(
        new ConfigError(`KUBECONFIG names ${kubeconfig}, but no such file exists`),
      );
    });
  });

  describe('REGCRED_CLUSTER=kubernetes', () => {
    it('when no cluster configuration is found, then it throws a ConfigError saying where it looked', async () => {
      writeFile('serviceaccount/ca.crt', '');
      const hostWithoutToken = { ...env, serviceHost: '10.96.0.1' };
      await expect(createCluster(defaultConfig({ cluster: 'kubernetes' }), hostWithoutToken)).rejects.toThrow(
        new ConfigError(
          'REGCRED_CLUSTER=kubernetes, but no cluster configuration was found: KUBECONFIG is not set, ' +
            `${join(dir, 'home', '.kube', 'config')} does not exist, ${join(dir, 'serviceaccount', 'token')} does not exist`,
        ),
      );
    });

    it('when the kubeconfig is not valid YAML, then the error names the line but quotes nothing from the file', async () => {
      const kubeconfig = writeFile('broken', `users:\n- name: x\n  user: {token: "${TOKEN}"\n  : : :\n`);
      const error = await createCluster(defaultConfig({ cluster: 'kubernetes', kubeconfig }), env).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error).toBeInstanceOf(ConfigError);
      expect(error?.message).toMatch(new RegExp(`^cannot load kubeconfig ${kubeconfig}: invalid YAML at line \\d+$`));
    });

    it('when the kubeconfig has no current context, then it says so', async () => {
      const kubeconfig = writeFile('no-context', kubeconfigYaml('x', 'https://10.0.0.1').replace('current-context: x', ''));
      await expect(createCluster(defaultConfig({ cluster: 'kubernetes', kubeconfig }), env)).rejects.toThrow(
        /has no usable current context/,
      );
    });
  });
});
