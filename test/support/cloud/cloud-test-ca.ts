import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestCa, type TestCa } from '../test-ca.js';

const CA_DIR = 'REGCRED_TEST_CLOUD_CA_DIR';
const NAME = 'cloud';

/**
 * For global setup, before the test workers fork: a CA for the HTTPS fakes of the clouds (Entra ID, ACR),
 * trusted by every worker through NODE_EXTRA_CA_CERTS. The Azure SDK and the ACR exchange (global fetch)
 * take Node's default trust store and no CA option regcred would want in production, and Node reads
 * NODE_EXTRA_CA_CERTS only when a process starts: forked workers inherit this process's environment,
 * so setting it here, before they start, is the one place it works. Answers the clean-up.
 */
export function provideCloudTestCa(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'regcred-cloud-ca-'));
  const ca = createTestCa(dir, NAME);
  const previous = process.env.NODE_EXTRA_CA_CERTS;
  const bundle = join(dir, 'extra-ca-bundle.pem');
  // Keep whatever the run already trusted.
  const earlier = previous && existsSync(previous) ? readFileSync(previous, 'utf8') : '';
  writeFileSync(bundle, `${earlier}\n${ca.caPem}`);
  process.env.NODE_EXTRA_CA_CERTS = bundle;
  process.env[CA_DIR] = dir;
  return () => {
    rmSync(dir, { recursive: true, force: true });
  };
}

/** In a test worker: the CA global setup made, and its server certificate for 127.0.0.1. */
export function cloudTestCa(): TestCa {
  const dir = process.env[CA_DIR];
  if (!dir) throw new Error(`${CA_DIR} is unset: test/support/global-setup.ts provides the cloud test CA`);
  const caFile = join(dir, `${NAME}-ca.crt`);
  return {
    caFile,
    caPem: readFileSync(caFile, 'utf8'),
    certFile: join(dir, `${NAME}-server.crt`),
    keyFile: join(dir, `${NAME}-server.key`),
  };
}
