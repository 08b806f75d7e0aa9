import { randomInt } from 'node:crypto';
import type { CoreV1Api } from '@kubernetes/client-node';
import { CREDENTIALS } from './fixtures.js';
import type { SpotCheck } from './report-fan-out.js';

/** A secret the bench wrote, and the credential it should hold now. */
export interface ExpectedSecret {
  secret: string;
  /** The password last written into it (server and username are CREDENTIALS'). */
  password: string;
  /** Where it was written, when not in every namespace. */
  only?: ReadonlySet<string>;
}

/** Reads the secrets back from `count` random namespaces and checks each holds the credential last written. */
export async function checkSecrets(
  core: CoreV1Api,
  namespaces: readonly string[],
  written: ExpectedSecret[],
  count: number,
): Promise<SpotCheck> {
  const indices = new Set<number>();
  while (indices.size < Math.min(count, namespaces.length)) indices.add(randomInt(namespaces.length));
  const picked = [...indices].sort((a, b) => a - b).map((i) => namespaces[i]!);
  const problems: string[] = [];
  let secretsRead = 0;
  for (const namespace of picked) {
    for (const { secret: name, password, only } of written) {
      if (only && !only.has(namespace)) continue;
      secretsRead++;
      const problem = await checkSecret(core, namespace, name, password);
      if (problem) problems.push(`${namespace}/${name}: ${problem}`);
    }
  }
  return { namespaces: picked, secretsRead, problems };
}

async function checkSecret(core: CoreV1Api, namespace: string, name: string, password: string): Promise<string | undefined> {
  try {
    const secret = await core.readNamespacedSecret({ namespace, name });
    const config = JSON.parse(Buffer.from(secret.data?.['.dockerconfigjson'] ?? '', 'base64').toString()) as {
      auths?: Record<string, { username?: string; password?: string }>;
    };
    const entry = config.auths?.[CREDENTIALS.server];
    const good =
      secret.type === 'kubernetes.io/dockerconfigjson' && entry?.username === CREDENTIALS.username && entry.password === password;
    return good ? undefined : 'not the credential written';
  } catch (error) {
    return String((error as { code?: number }).code ?? (error as Error).message);
  }
}
