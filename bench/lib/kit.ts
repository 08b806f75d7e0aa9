import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const KIT_DIR = fileURLToPath(new URL('../../../shared/k8s/', import.meta.url));
const SHARED_BINARY = '/tmp/regcred-k8s/bin/kube-apiserver';

export interface Kit {
  kubeconfig: string;
  server: string;
  /** Whether the bench started this kit (and stops it). */
  startedHere: boolean;
  stop(): Promise<void>;
}

/**
 * The API server to write to: the one named by REGCRED_K8S_SERVER and KUBECONFIG when they are
 * set (never stopped here), else a private kit in a state dir of its own (so no one else's kit is
 * touched), started now and stopped by stop(). Throws with the reason when none can be had.
 */
export async function obtainKit(): Promise<Kit> {
  const { REGCRED_K8S_SERVER: server, KUBECONFIG: kubeconfig } = process.env;
  if (server && kubeconfig) return { kubeconfig, server, startedHere: false, stop: async () => {} };
  return startPrivateKit();
}

/** A kit the bench started: its API server may be stopped and started again (apiserver.sh). */
export interface PrivateKit extends Kit {
  apiserver(action: 'stop' | 'start'): Promise<void>;
}

/** Starts a kit in a state dir of its own (so no one else's kit is touched); stop() removes it. */
export async function startPrivateKit(): Promise<PrivateKit> {
  const dir = await mkdtemp(join(tmpdir(), 'regcred-bench-kit-'));
  const env = { ...process.env, REGCRED_K8S_DIR: dir };
  if (existsSync(SHARED_BINARY)) {
    // Saves unpacking the 100 MB binary again.
    await mkdir(join(dir, 'bin'));
    await symlink(SHARED_BINARY, join(dir, 'bin', 'kube-apiserver'));
  }
  const script = (name: string, ...args: string[]) => run('bash', [join(KIT_DIR, name), ...args], { env, timeout: 120_000 });
  const stop = async () => {
    await script('down.sh').catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const exports = parseExports((await script('up.sh')).stdout);
    if (!exports.KUBECONFIG || !exports.REGCRED_K8S_SERVER) throw new Error('up.sh printed no KUBECONFIG or REGCRED_K8S_SERVER');
    return {
      kubeconfig: exports.KUBECONFIG,
      server: exports.REGCRED_K8S_SERVER,
      startedHere: true,
      stop,
      apiserver: async (action) => void (await script('apiserver.sh', action)),
    };
  } catch (error) {
    await stop();
    const stderr = (error as { stderr?: string }).stderr?.trim().split('\n').slice(-3).join(' | ');
    throw new Error(`could not start the kit with ${join(KIT_DIR, 'up.sh')}: ${stderr || (error as Error).message}`);
  }
}

function parseExports(text: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const match of text.matchAll(/^export ([A-Z0-9_]+)="([^"]*)"$/gm)) found[match[1]!] = match[2]!;
  return found;
}
