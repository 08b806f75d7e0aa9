import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { realClusterAvailable, userToken } from './support/real-cluster.js';
import { exitCode, killServices, spawnService, startService, type Started } from './support/service-process.js';

// Spawned where the process is the point (what it prints, its exit code, SIGTERM); one process
// serves every test that starts it the same way. Refusals to start run src/main.ts in this process.

describe('starting the service (src/main.ts) with nothing configured: one process, stopped by the last test', () => {
  let service: Started;
  let outputFile: string;
  beforeAll(async () => {
    outputFile = join(mkdtempSync(join(tmpdir(), 'regcred-token-')), 'token');
    // Left over, readable by all: the token must still end up readable by its owner only.
    writeFileSync(outputFile, 'an older token, longer than the new one, so truncation shows too\n', { mode: 0o644 });
    service = await startService({ REGCRED_TOKEN_OUTPUT_FILE: outputFile, REGCRED_SHUTDOWN_GRACE_MS: '20000' });
  });
  afterAll(killServices);

  it('with no cluster configured, runs on the embedded in-memory cluster, says so, and serves', async () => {
    const { lines, stderr, url } = service;
    expect(lines.join('\n')).toContain('EMBEDDED IN-MEMORY CLUSTER');
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const put = await fetch(`${url}/v1/namespaces/default/pullsecrets/regcred`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${generatedToken(stderr())}` },
      body: JSON.stringify({ username: 'u', password: 'p' }),
    });
    expect(put.status).toBe(201);
  });

  it('says in one start-up line which cluster, which auth mode, which port and whether TLS is on', () => {
    const { lines, port } = service;
    const startUp = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.port !== undefined)!;
    expect(startUp).toMatchObject({ level: 'info', clusterKind: 'memory', port, host: '127.0.0.1', tls: false });
    expect(startUp.cluster).toContain('embedded in-memory cluster');
    expect(startUp.authMode).toBe('token (one generated for this run, printed on stderr)');
    expect(startUp.msg).toContain(`http://127.0.0.1:${port}`);
    expect(startUp.msg).toContain('TLS: off');
  });

  it('on a fresh machine (token mode, nothing configured), generates a token, prints it once on stderr and in no log line, and refuses writes without it', async () => {
    const { lines, stderr, url } = service;
    const token = generatedToken(stderr());
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(stderr().split(token).length - 1).toBe(1);
    expect(readFileSync(outputFile, 'utf8').trim()).toBe(token);
    expect(statSync(outputFile).mode & 0o777).toBe(0o600);
    const body = JSON.stringify({ username: 'u', password: 'p' });
    const headers = { 'content-type': 'application/json' };
    const anonymous = await fetch(`${url}/v1/namespaces/default/pullsecrets/x`, { method: 'PUT', headers, body });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="regcred"');
    const wrong = await fetch(`${url}/v1/render`, { method: 'POST', headers: { ...headers, authorization: 'Bearer nope' }, body });
    expect(wrong.status).toBe(401);
    const ok = await fetch(`${url}/v1/render`, { method: 'POST', headers: { ...headers, authorization: `Bearer ${token}` }, body });
    expect(ok.status).toBe(200);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).not.toContain(token);
  });

  it('on SIGTERM with a kept-alive idle connection open, closes it and exits 0 without waiting for the grace period', async () => {
    const { child, lines, url } = service;
    // fetch keeps its connection alive; the drain must close it rather than wait for the grace period.
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const exited = exitCode(child);
    const signalled = Date.now();
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(5_000);
    expect(lines.join('\n')).toContain('shutting down');
  });
});

describe('starting the service (src/main.ts)', () => {
  afterEach(killServices);

  it('with REGCRED_AUTH=none, warns at start that callers are not authenticated', async () => {
    const { lines, stderr } = await startService({ REGCRED_AUTH: 'none' });
    const warning = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.level === 'warn' && l.authMode === 'none');
    expect(warning?.msg).toContain('not authenticated');
    expect(stderr()).not.toContain('generated');
  });

  it('refuses to start on a bad setting, naming it on stderr and exiting 2', async () => {
    const child = spawnService({ PORT: 'eighty' });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    expect(await exitCode(child)).toBe(2);
    expect(stderr).toContain('PORT');
  });

  it('refuses to start with a malformed tokens file, naming the setting but not quoting a token', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'regcred-tokens-')), 'tokens.yaml');
    writeFileSync(file, '- caller: ci\n  token: short-secret-x\n');
    const { code, stderr } = await refusalInProcess({ REGCRED_TOKENS_FILE: file });
    expect(code).toBe(2);
    expect(stderr).toContain('REGCRED_TOKENS_FILE');
    expect(stderr).not.toContain('short-secret-x');
  });

  it('refuses to start with only one of the TLS files, naming the missing one', async () => {
    const { code, stderr } = await refusalInProcess({ REGCRED_TLS_CERT_FILE: '/nonexistent/tls.crt' });
    expect(code).toBe(2);
    expect(stderr).toContain('REGCRED_TLS_KEY_FILE');
  });

  it('refuses to start when REGCRED_VERIFY_CA_FILE cannot be read, naming the setting', async () => {
    const { code, stderr } = await refusalInProcess({ REGCRED_VERIFY_CA_FILE: '/nonexistent/ca.pem' });
    expect(code).toBe(2);
    expect(stderr).toContain('cannot read REGCRED_VERIFY_CA_FILE (ENOENT)');
  });

  it('refuses to start with REGCRED_AUTH=kubernetes on the embedded cluster (no TokenReview there)', async () => {
    const { code, stderr } = await refusalInProcess({ REGCRED_AUTH: 'kubernetes' });
    expect(code).toBe(2);
    expect(stderr).toContain('REGCRED_AUTH=kubernetes');
  });

  it('refuses to start with REGCRED_CLUSTER=kubernetes when no cluster is configured', async () => {
    const { code } = await refusalInProcess({ REGCRED_CLUSTER: 'kubernetes' });
    expect(code).toBe(2);
  });

  it.runIf(realClusterAvailable())(
    'with KUBECONFIG set, uses that cluster and is ready; /readyz says status only, the start-up line and GET /v1/status name the cluster',
    async () => {
      const { lines, stderr, url } = await startService({ KUBECONFIG: process.env.KUBECONFIG! });
      const server = process.env.REGCRED_K8S_SERVER!;
      expect(lines.join('\n')).not.toContain('EMBEDDED IN-MEMORY CLUSTER');
      expect(lines.join('\n')).toContain(server);
      const ready = await fetch(`${url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ok' });
      expect((await fetch(`${url}/v1/status`)).status).toBe(401);
      const token = /generated one for this run[^:]*: (\S+)/.exec(stderr())![1];
      const status = await fetch(`${url}/v1/status`, { headers: { Authorization: `Bearer ${token}` } });
      expect(status.status).toBe(200);
      expect((await status.json()) as { status: string; cluster: string }).toMatchObject({
        status: 'ok',
        cluster: expect.stringContaining(server),
      });
    },
  );

  it('with a tokens file, accepts its callers in their namespaces only, and says how many callers it has', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'regcred-tokens-')), 'tokens.yaml');
    writeFileSync(file, '- caller: ci\n  token: ci-token-0123456789abcdef\n  namespaces: [default]\n');
    const { lines, stderr, url } = await startService({ REGCRED_TOKENS_FILE: file });
    expect(stderr()).not.toContain('generated');
    expect(lines.join('\n')).toContain('token (1 caller(s) from REGCRED_TOKENS_FILE)');
    const put = (ns: string) =>
      fetch(`${url}/v1/namespaces/${ns}/pullsecrets/x`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: 'Bearer ci-token-0123456789abcdef' },
        body: JSON.stringify({ username: 'u', password: 'p' }),
      });
    expect((await put('default')).status).toBe(201);
    expect((await put('kube-system')).status).toBe(403);
  });

  it.runIf(realClusterAvailable())(
    'with REGCRED_AUTH=kubernetes, asks the API server who calls: garbage → 401, bob without rights → 403',
    async () => {
      const { url } = await startService({ KUBECONFIG: process.env.KUBECONFIG!, REGCRED_AUTH: 'kubernetes' });
      const get = (token: string) => fetch(`${url}/v1/namespaces/default/pullsecrets`, { headers: { authorization: `Bearer ${token}` } });
      expect((await get('garbage')).status).toBe(401);
      expect((await get(userToken('bob'))).status).toBe(403);
    },
  );
});

/** The token main.ts printed on stderr when none was configured. */
function generatedToken(stderr: string): string {
  const match = /generated one for this run \(caller "local", all namespaces except the deny list\): (\S+)/.exec(stderr);
  if (!match) throw new Error(`no generated token on stderr:\n${stderr}`);
  return match[1]!;
}

class Refused extends Error {
  constructor(readonly code: number | undefined) {
    super(`process.exit(${code})`);
  }
}

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
let evaluations = 0;

/**
 * Evaluates src/main.ts afresh in this process with only PATH, a fresh HOME, PORT=0 and `env`
 * set, as spawnService would, until it refuses to start: its exit code and what it wrote on stderr.
 * One refusal is spawned above; the process boundary proves nothing more for the others.
 */
async function refusalInProcess(env: Record<string, string>): Promise<{ code: number | undefined; stderr: string }> {
  const saved = process.env;
  process.env = { PATH: saved.PATH ?? '', HOME: mkdtempSync(join(tmpdir(), 'regcred-home-')), PORT: '0', ...env };
  let stderr = '';
  const exit = vi.spyOn(process, 'exit').mockImplementation((code) => {
    throw new Refused(code === undefined || code === null ? undefined : Number(code));
  });
  const write = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    await import(/* @vite-ignore */ `${MAIN}?refusal=${++evaluations}`);
    throw new Error('src/main.ts started instead of refusing');
  } catch (error) {
    if (error instanceof Refused) return { code: error.code, stderr };
    throw error;
  } finally {
    exit.mockRestore();
    write.mockRestore();
    process.env = saved;
  }
}
