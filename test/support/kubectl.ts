import { spawn, spawnSync } from 'node:child_process';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

let available: boolean | undefined;
/** Whether kubectl runs here (asked once, when first wanted). */
export function kubectlAvailable(): boolean {
  available ??= spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;
  return available;
}

/** Runs kubectl (with the environment's KUBECONFIG), optionally feeding `input` on stdin. */
export function kubectl(args: string[], input?: string): Promise<KubectlResult> {
  return new Promise((done, fail) => {
    const child = spawn('kubectl', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

/** `kubectl apply -f -` of the given YAML on the kit at kubeconfigPath. */
export async function kubectlApply(kubeconfigPath: string, yaml: string): Promise<void> {
  const applied = await kubectl(['--kubeconfig', kubeconfigPath, 'apply', '-f', '-'], yaml);
  if (applied.code !== 0) throw new Error(`kubectl apply failed: ${applied.stderr}`);
}

/** What `kubectl get secret … -o jsonpath='{.data.\.dockerconfigjson}' | base64 --decode` prints. */
export async function decodedWithKubectl(namespace: string, name: string): Promise<string> {
  const got = await kubectl(['-n', namespace, 'get', 'secret', name, '-o', 'jsonpath={.data.\\.dockerconfigjson}']);
  if (got.code !== 0) throw new Error(`kubectl get secret failed: ${got.stderr}`);
  return Buffer.from(got.stdout, 'base64').toString('utf8');
}
