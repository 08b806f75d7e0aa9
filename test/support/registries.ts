import { accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import bcrypt from 'bcryptjs';
import { describe } from 'vitest';
import { launchRegistry, type TestRegistry } from './registry-process.js';
import type { TestCa } from './test-ca.js';
import type { TokenServer } from './token-server.js';

export type { TestRegistry } from './registry-process.js';
export { startTokenServer, type TokenRequest, type TokenServer } from './token-server.js';
export { startPlainWebServer, type PlainWebServer } from './plain-web-server.js';
export { stopTestServers } from './loopback.js';

// Whether the suites that need real registries (Debian's docker-registry, distribution 2.8, and
// for real pulls Debian's skopeo) run:
//   REGCRED_TEST_REGISTRY=required  run them; a missing binary fails the run instead of skipping
//   REGCRED_TEST_REGISTRY=auto      (default) run them when the binaries exist
//   REGCRED_TEST_REGISTRY=off       never
export const REGISTRY_BINARY = process.env.REGCRED_TEST_REGISTRY_BINARY ?? '/usr/bin/docker-registry';
export const SKOPEO_BINARY = process.env.REGCRED_TEST_SKOPEO_BINARY ?? onPath('skopeo') ?? '/usr/bin/skopeo';

export function registryBinaryAvailable(): boolean {
  return executable(REGISTRY_BINARY);
}

/** The first executable `name` on PATH, as `command -v` (which .ci/run asks) finds it. */
function onPath(name: string): string | undefined {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  return dirs.map((dir) => join(dir, name)).find(executable);
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Whether this run uses real registries; throws when they are required but cannot run. */
export function registryTestsEnabled(): boolean {
  return skipReason() === undefined;
}

/** `describe`, skipped (with the reason in its title) when the registry suites are off or the binary is missing. */
export function describeWithRegistry(title: string, suite: () => void): void {
  const reason = skipReason([[REGISTRY_BINARY, 'docker-registry']]);
  describe.skipIf(reason !== undefined)(reason ? `${title} (SKIPPED: ${reason})` : title, suite);
}

/** `describeWithRegistry` for suites that also pull with skopeo: skipped, or failing when required, alike. */
export function describeWithPullClient(title: string, suite: () => void): void {
  const reason = skipReason([
    [REGISTRY_BINARY, 'docker-registry'],
    [SKOPEO_BINARY, 'skopeo'],
  ]);
  describe.skipIf(reason !== undefined)(reason ? `${title} (SKIPPED: ${reason})` : title, suite);
}

/** `needs`: [binary, the Debian package that installs it]. */
function skipReason(needs: Array<[string, string]> = [[REGISTRY_BINARY, 'docker-registry']]): string | undefined {
  const mode = process.env.REGCRED_TEST_REGISTRY ?? 'auto';
  if (mode === 'off') return 'REGCRED_TEST_REGISTRY=off';
  if (mode !== 'auto' && mode !== 'required') {
    throw new Error(`REGCRED_TEST_REGISTRY must be required, auto or off, not "${mode}"`);
  }
  const missing = needs.find(([binary]) => !executable(binary));
  if (!missing) return undefined;
  const [binary, debianPackage] = missing;
  if (mode === 'required') {
    throw new Error(`REGCRED_TEST_REGISTRY=required, but ${binary} does not exist (apt-get install ${debianPackage})`);
  }
  return `no ${binary}`;
}

/** A registry that takes Basic auth against an htpasswd file of `users` (name → password). */
export function startHtpasswdRegistry(options: { users: Record<string, string>; ca: TestCa }): Promise<TestRegistry> {
  // Cost 4, bcrypt's least: the registry checks a hash on every request and tests make many.
  const htpasswd = Object.entries(options.users)
    .map(([user, password]) => `${user}:${bcrypt.hashSync(password, 4)}\n`)
    .join('');
  return launchRegistry({
    binary: REGISTRY_BINARY,
    ca: options.ca,
    files: { htpasswd },
    auth: (dir) => ({ htpasswd: { realm: 'regcred-test', path: `${dir}/htpasswd` } }),
  });
}

/** A registry that takes only bearer tokens issued by `tokenServer` (the Docker token-auth flow). */
export function startTokenRegistry(options: { tokenServer: TokenServer; ca: TestCa }): Promise<TestRegistry> {
  const { realm, service, issuer, rootCertBundleFile } = options.tokenServer;
  // A copy, so the registry can restart after the token server has gone.
  const bundle = readFileSync(rootCertBundleFile, 'utf8');
  return launchRegistry({
    binary: REGISTRY_BINARY,
    ca: options.ca,
    files: { 'token-roots.crt': bundle },
    auth: (dir) => ({ token: { realm, service, issuer, rootcertbundle: `${dir}/token-roots.crt` } }),
  });
}
