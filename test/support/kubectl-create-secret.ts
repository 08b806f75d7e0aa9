import { execFileSync, spawnSync } from 'node:child_process';

/** Flags for one `kubectl create secret docker-registry` run; undefined flags are not passed. */
export interface KubectlCase {
  description: string;
  name: string;
  namespace?: string;
  server?: string;
  username: string;
  password: string;
  email?: string;
}

/** What kubectl printed, with `.dockerconfigjson` decoded. */
export interface KubectlResult {
  name: string;
  namespace?: string;
  type: string;
  dockerConfigJsonBase64: string;
  dockerConfigJson: string;
}

export interface KubectlVector extends KubectlCase {
  kubectl: KubectlResult;
}

export interface KubectlVectorFile {
  kubectlVersion: string;
  vectors: KubectlVector[];
}

/** The client version of the kubectl on PATH, or undefined when there is none. */
export function kubectlVersion(): string | undefined {
  const run = spawnSync('kubectl', ['version', '--client', '-o', 'json'], { encoding: 'utf8' });
  if (run.status !== 0) return undefined;
  const { clientVersion } = JSON.parse(run.stdout) as { clientVersion: { gitVersion: string; goVersion: string } };
  return `${clientVersion.gitVersion} (${clientVersion.goVersion})`;
}

/** Runs `kubectl create secret docker-registry --append-hash --dry-run=client -o json` offline. */
export function runKubectl(input: KubectlCase): KubectlResult {
  const flag = (name: string, value: string | undefined) => (value === undefined ? [] : [`--${name}=${value}`]);
  const args = [
    'create',
    'secret',
    'docker-registry',
    input.name,
    ...flag('namespace', input.namespace),
    ...flag('docker-server', input.server),
    ...flag('docker-username', input.username),
    ...flag('docker-password', input.password),
    ...flag('docker-email', input.email),
    '--append-hash',
    '--dry-run=client',
    '-o',
    'json',
    '--kubeconfig=/dev/null',
  ];
  const secret = JSON.parse(execFileSync('kubectl', args, { encoding: 'utf8' })) as {
    metadata: { name: string; namespace?: string };
    type: string;
    data: Record<string, string>;
  };
  const dockerConfigJsonBase64 = secret.data['.dockerconfigjson'];
  return {
    name: secret.metadata.name,
    ...(secret.metadata.namespace ? { namespace: secret.metadata.namespace } : {}),
    type: secret.type,
    dockerConfigJsonBase64,
    dockerConfigJson: Buffer.from(dockerConfigJsonBase64, 'base64').toString('utf8'),
  };
}
