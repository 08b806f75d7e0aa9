import { afterEach, describe, expect, it } from 'vitest';
import { realClusterAvailable } from './support/real-cluster.js';
import { exitCode, killServices, spawnService, startService } from './support/service-process.js';

afterEach(killServices);

describe('starting the service (src/main.ts)', () => {
  it('with no cluster configured, runs on the embedded in-memory cluster, says so, serves, and exits 0 on SIGTERM', async () => {
    const { child, lines, url } = await startService({});
    expect(lines.join('\n')).toContain('EMBEDDED IN-MEMORY CLUSTER');
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const put = await fetch(`${url}/v1/namespaces/default/pullsecrets/regcred`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'u', password: 'p' }),
    });
    expect(put.status).toBe(201);
    const exited = exitCode(child);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('says in one start-up line which cluster, which auth mode, which port and whether TLS is on', async () => {
    const { lines, port } = await startService({});
    const startUp = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.port !== undefined)!;
    expect(startUp).toMatchObject({ level: 'info', clusterKind: 'memory', port, host: '127.0.0.1', tls: false });
    expect(startUp.cluster).toContain('embedded in-memory cluster');
    expect(startUp.authMode).toBe('none (not implemented yet; listening on 127.0.0.1)');
    expect(startUp.msg).toContain(`http://127.0.0.1:${port}`);
    expect(startUp.msg).toContain('TLS: off');
  });

  it('on SIGTERM with a kept-alive idle connection open, closes it and exits 0 without waiting for the grace period', async () => {
    const { child, lines, url } = await startService({ REGCRED_SHUTDOWN_GRACE_MS: '20000' });
    // fetch keeps its connection alive; the drain must close it rather than wait for the grace period.
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const exited = exitCode(child);
    const signalled = Date.now();
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(5_000);
    expect(lines.join('\n')).toContain('shutting down');
  });

  it('refuses to start on a bad setting, naming it', async () => {
    const child = spawnService({ PORT: 'eighty' });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    expect(await exitCode(child)).toBe(2);
    expect(stderr).toContain('PORT');
  });

  it('refuses to start with only one of the TLS files, naming the missing one', async () => {
    const child = spawnService({ REGCRED_TLS_CERT_FILE: '/nonexistent/tls.crt' });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    expect(await exitCode(child)).toBe(2);
    expect(stderr).toContain('REGCRED_TLS_KEY_FILE');
  });

  it('refuses to start with REGCRED_CLUSTER=kubernetes when no cluster is configured', async () => {
    const child = spawnService({ REGCRED_CLUSTER: 'kubernetes' });
    expect(await exitCode(child)).toBe(2);
  });

  it.runIf(realClusterAvailable())('with KUBECONFIG set, uses that cluster and is ready', async () => {
    const { lines, url } = await startService({ KUBECONFIG: process.env.KUBECONFIG! });
    expect(lines.join('\n')).not.toContain('EMBEDDED IN-MEMORY CLUSTER');
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { cluster: string }).cluster).toContain(process.env.REGCRED_K8S_SERVER!);
  });
});
