import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SKOPEO_BINARY } from './registries.js';
import type { TestCa } from './test-ca.js';

// A real pull client: Debian's skopeo (containers/image, the library CRI-O pulls with) reading a
// pull secret's `.dockerconfigjson` as its auth file, as the kubelet hands it to the runtime.

export interface SkopeoInspection {
  /** Whether skopeo read the image's manifest and config with these credentials. */
  ok: boolean;
  /** The manifest digest skopeo reports, when ok. */
  digest?: string;
  /** The end of skopeo's stderr (or why it did not finish), with the auth file's secrets blanked. */
  stderrTail: string;
}

export interface SkopeoInspectOptions {
  /** The auth file's text: a decoded `.dockerconfigjson`. Never logged. */
  authfile: string;
  /** `host:port/repository:tag` */
  image: string;
  /** The CA the registry's certificate chains to; without it only the system's roots are trusted. */
  ca?: TestCa;
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const TAIL = 2000;

/** `skopeo inspect docker://<image>` with `authfile`; answers a refused pull, never throws for one. */
export async function skopeoInspect(options: SkopeoInspectOptions): Promise<SkopeoInspection> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const dir = mkdtempSync(join(tmpdir(), 'regcred-skopeo-'));
  try {
    const authfile = join(dir, 'auth.json');
    writeFileSync(authfile, options.authfile, { mode: 0o600 });
    // skopeo trusts the *.crt files of --cert-dir as CAs; without the flag, the system's roots.
    const certDir = join(dir, 'certs');
    const certArgs: string[] = [];
    if (options.ca) {
      mkdirSync(certDir, { mode: 0o700 });
      writeFileSync(join(certDir, 'ca.crt'), options.ca.caPem);
      certArgs.push('--cert-dir', certDir);
    }
    const args = ['inspect', '--authfile', authfile, ...certArgs, `docker://${options.image}`];
    const { code, stdout, stderr, timedOut } = await run(args, dir, timeoutMs);
    const tail = scrub(stderr, options.authfile).slice(-TAIL);
    if (timedOut) return { ok: false, stderrTail: `${tail}\nskopeo did not finish within ${timeoutMs} ms`.trim() };
    if (code !== 0) return { ok: false, stderrTail: tail };
    const { Digest } = JSON.parse(stdout) as { Digest?: string };
    return { ok: true, digest: Digest, stderrTail: tail };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function run(args: string[], home: string, timeoutMs: number) {
  return new Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }>((resolve) => {
    // Only PATH and a HOME of its own: no user's registries.conf, auth.json or proxy settings.
    const env = { PATH: process.env.PATH ?? '', HOME: home };
    execFile(SKOPEO_BINARY, args, { env, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      const failure = error as (Error & { code?: number | string; killed?: boolean }) | null;
      const code = failure ? (typeof failure.code === 'number' ? failure.code : -1) : 0;
      const startError = failure && typeof failure.code === 'string' ? `cannot run ${SKOPEO_BINARY}: ${failure.code}\n` : '';
      resolve({ code, stdout, stderr: startError + stderr, timedOut: failure?.killed === true });
    });
  });
}

/** Blanks every string value of the auth file (passwords, auth, tokens) that skopeo might echo. */
function scrub(text: string, authfile: string): string {
  const secrets = new Set<string>();
  const collect = (value: unknown, key = ''): void => {
    if (typeof value === 'string' && value.length >= 4 && key !== 'username') secrets.add(value);
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) collect(v, k);
  };
  try {
    collect(JSON.parse(authfile));
  } catch {
    // Not JSON: skopeo says so without quoting it.
  }
  let scrubbed = text;
  for (const secret of secrets) scrubbed = scrubbed.split(secret).join('[REDACTED]');
  return scrubbed;
}
