import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { KIT_DIR, parseExports } from './global-setup.js';

const run = promisify(execFile);

/** A kit of its own, for tests that stop or freeze the API server while other suites use the shared one. */
export interface PrivateKit {
  kubeConfig(): KubeConfig;
  /** Its admin kubeconfig file, for kubectl and for regcred processes. */
  kubeconfigPath: string;
  /** ../shared/k8s/apiserver.sh on this kit: stop, start (waits for /readyz), pause (SIGSTOP), resume. */
  apiserver(action: 'stop' | 'start' | 'pause' | 'resume'): Promise<void>;
  destroy(): Promise<void>;
}

/** Starts kube-apiserver + etcd in a fresh state dir (about 8 s), reusing the shared kit's unpacked binary. */
export async function startPrivateKit(): Promise<PrivateKit> {
  const dir = await mkdtemp(join(tmpdir(), 'regcred-private-kit-'));
  const env = { ...process.env, REGCRED_K8S_DIR: dir };
  const sharedBinary = join(process.env.REGCRED_K8S_DIR ?? '/tmp/regcred-k8s', 'bin', 'kube-apiserver');
  if (existsSync(sharedBinary)) {
    await mkdir(join(dir, 'bin'));
    await symlink(sharedBinary, join(dir, 'bin', 'kube-apiserver'));
  }
  const script = (name: string, ...args: string[]) => run('bash', [join(KIT_DIR, name), ...args], { env, timeout: 120_000 });
  const destroy = async () => {
    await script('down.sh').catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  let kubeconfigPath: string | undefined;
  try {
    kubeconfigPath = parseExports((await script('up.sh')).stdout).KUBECONFIG;
    if (!kubeconfigPath) throw new Error('up.sh printed no KUBECONFIG');
  } catch (error) {
    await destroy();
    throw error;
  }
  return {
    kubeconfigPath,
    kubeConfig: () => {
      const kubeConfig = new KubeConfig();
      kubeConfig.loadFromFile(kubeconfigPath);
      return kubeConfig;
    },
    apiserver: async (action) => {
      await script('apiserver.sh', action);
    },
    destroy,
  };
}
