import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Everything the three SDKs read from the environment. A test starts from none of it (so the machine's
// own profile, metadata server or CLI login never answers) and adds what it means to test.
const CLOUD_VARIABLE = /^(AWS_|GOOGLE_|GCE_|GCLOUD|CLOUDSDK_|METADATA_SERVER_DETECTION|AZURE_|IDENTITY_|MSI_|IMDS_)/;

export interface CloudEnv {
  /** A scratch directory for token and key files, removed by `restore`. */
  dir: string;
  /** Writes a file into `dir` and answers its path. */
  file(name: string, content: string): string;
  restore(): void;
}

/**
 * Replaces the cloud variables of process.env with `vars` and loopback-only defaults: no EC2 metadata,
 * no shared AWS or gcloud config, no metadata server probe unless a test points one at a fake. `restore` puts the old ones back.
 */
export function useCloudEnv(vars: Record<string, string> = {}): CloudEnv {
  const saved = Object.entries(process.env).filter(([name]) => CLOUD_VARIABLE.test(name));
  for (const [name] of saved) delete process.env[name];
  const dir = mkdtempSync(join(tmpdir(), 'regcred-cloud-env-'));
  Object.assign(process.env, {
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: join(dir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-aws-credentials'),
    CLOUDSDK_CONFIG: join(dir, 'no-gcloud'),
    METADATA_SERVER_DETECTION: 'none',
    ...vars,
  });
  return {
    dir,
    file(name, content) {
      const path = join(dir, name);
      writeFileSync(path, content);
      return path;
    },
    restore() {
      for (const name of Object.keys(process.env)) if (CLOUD_VARIABLE.test(name)) delete process.env[name];
      Object.assign(process.env, Object.fromEntries(saved));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
