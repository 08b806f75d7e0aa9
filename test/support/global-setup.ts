import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { provideCloudTestCa } from './cloud/cloud-test-ca.js';

// Decides once per run whether the real-cluster suites run, and tells the test workers through
// REGCRED_TEST_REAL_CLUSTER (forked workers inherit this process's environment).
//   REGCRED_TEST_CLUSTER=required  use the kit, starting it when REGCRED_K8S_SERVER is unset; fail the run if it cannot
//   REGCRED_TEST_CLUSTER=auto      (default) use the kit only when REGCRED_K8S_SERVER is set and answers
//   REGCRED_TEST_CLUSTER=off       never

const run = promisify(execFile);
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** In CI the repository is cloned beside shared/, as in the workspace. */
export const KIT_DIR = resolve(REPO_ROOT, '../shared/k8s');
export const REAL_CLUSTER_FLAG = 'REGCRED_TEST_REAL_CLUSTER';

export default async function setup(): Promise<() => Promise<void>> {
  // Every worker inherits it: no AWS SDK ever asks the instance metadata service past loopback.
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  const removeCloudCa = provideCloudTestCa();
  let stopCluster: () => Promise<void>;
  try {
    stopCluster = await setUpCluster();
  } catch (error) {
    removeCloudCa();
    throw error;
  }
  return async () => {
    await stopCluster();
    removeCloudCa();
  };
}

async function setUpCluster(): Promise<() => Promise<void>> {
  const mode = process.env.REGCRED_TEST_CLUSTER ?? 'auto';
  process.env[REAL_CLUSTER_FLAG] = '0';
  const nothingToStop = async () => {};

  if (mode === 'off') return nothingToStop;
  if (mode === 'auto') {
    if (process.env.REGCRED_K8S_SERVER && (await apiServerAnswers())) process.env[REAL_CLUSTER_FLAG] = '1';
    return nothingToStop;
  }
  if (mode !== 'required') throw new Error(`REGCRED_TEST_CLUSTER must be required, auto or off, not "${mode}"`);

  let startedHere = false;
  if (!process.env.REGCRED_K8S_SERVER) {
    const runningBefore = runningApiServerPid();
    Object.assign(process.env, await startKit());
    startedHere = runningBefore === undefined;
  }
  if (!(await apiServerAnswers())) {
    throw new Error(`REGCRED_TEST_CLUSTER=required, but the API server at ${process.env.REGCRED_K8S_SERVER} does not answer /readyz`);
  }
  process.env[REAL_CLUSTER_FLAG] = '1';
  // A kit that was already running belongs to someone else: leave it be.
  return startedHere ? () => stopKit() : nothingToStop;
}

async function startKit(): Promise<Record<string, string>> {
  let stdout: string;
  try {
    ({ stdout } = await run('bash', [join(KIT_DIR, 'up.sh')], { cwd: REPO_ROOT, timeout: 300_000 }));
  } catch (error) {
    const { stderr = '' } = error as { stderr?: string };
    throw new Error(`REGCRED_TEST_CLUSTER=required, but ${KIT_DIR}/up.sh failed:\n${stderr.slice(-2000)}`);
  }
  const exported = parseExports(stdout);
  if (!exported.REGCRED_K8S_SERVER || !exported.KUBECONFIG) {
    throw new Error(`REGCRED_TEST_CLUSTER=required, but ${KIT_DIR}/up.sh printed no REGCRED_K8S_SERVER/KUBECONFIG`);
  }
  return exported;
}

async function stopKit(): Promise<void> {
  await run('bash', [join(KIT_DIR, 'down.sh')], { cwd: REPO_ROOT, timeout: 60_000 });
}

/** `export NAME="value"` lines, as up.sh prints them. */
export function parseExports(text: string): Record<string, string> {
  const exported: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^export ([A-Za-z_][A-Za-z0-9_]*)="(.*)"$/.exec(line.trim());
    if (match) exported[match[1]] = match[2];
  }
  return exported;
}

function runningApiServerPid(): number | undefined {
  try {
    const pid = Number(readFileSync(join(process.env.REGCRED_K8S_DIR ?? '/tmp/regcred-k8s', 'apiserver.pid'), 'utf8').trim());
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/** GET /readyz with the kit's CA and admin token, within 3 s. */
export function apiServerAnswers(env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const { REGCRED_K8S_SERVER: server, REGCRED_K8S_CA_FILE: caFile, REGCRED_K8S_ADMIN_TOKEN: token } = env;
  if (!server || !caFile || !token) return Promise.resolve(false);
  let ca: Buffer;
  try {
    ca = readFileSync(caFile);
  } catch {
    return Promise.resolve(false);
  }
  return new Promise((done) => {
    const req = request(`${server}/readyz`, { ca, headers: { Authorization: `Bearer ${token}` }, timeout: 3000 }, (res) => {
      res.resume();
      done(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => done(false));
    req.end();
  });
}
