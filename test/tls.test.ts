import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, renameSync } from 'node:fs';
import { request } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from './support/poll.js';
import { exitCode, killServices, startService } from './support/service-process.js';

afterEach(killServices);

/** A self-signed certificate for 127.0.0.1, written by openssl as <name>.crt and <name>.key in `dir`. */
function selfSigned(dir: string, name: string): { certFile: string; keyFile: string; pem: Buffer; fingerprint: string } {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/CN=regcred-test-${name}`,
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
  const pem = readFileSync(certFile);
  return { certFile, keyFile, pem, fingerprint: new X509Certificate(pem).fingerprint256 };
}

/** GET over a new TLS connection that trusts only `ca`; answers the status and the served certificate's fingerprint. */
function getTrusting(ca: Buffer, port: number, path: string): Promise<{ status: number; fingerprint: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, ca, agent: false }, (res) => {
      const fingerprint = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, fingerprint }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe("TLS on regcred's own listener", () => {
  it('when REGCRED_TLS_CERT_FILE and _KEY_FILE are set, serves HTTPS and picks up a replaced certificate without a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'regcred-tls-'));
    const first = selfSigned(dir, 'first');
    const { child, lines, port } = await startService(
      { REGCRED_TLS_CERT_FILE: first.certFile, REGCRED_TLS_KEY_FILE: first.keyFile, REGCRED_TLS_RELOAD_INTERVAL_MS: '100' },
      'https',
    );
    const startUp = JSON.parse(lines.find((l) => l.includes('"port"'))!) as {
      msg: string;
      tls: { certificate: { fingerprint256: string } };
    };
    expect(startUp.msg).toContain(`https://127.0.0.1:${port}`);
    expect(startUp.msg).toContain('TLS: on');
    expect(startUp.tls.certificate.fingerprint256).toBe(first.fingerprint);
    expect(await getTrusting(first.pem, port, '/healthz')).toEqual({ status: 200, fingerprint: first.fingerprint });

    // Replaced as a mounted Secret is: each file swapped in whole, the key first.
    const second = selfSigned(dir, 'second');
    renameSync(second.keyFile, first.keyFile);
    renameSync(second.certFile, first.certFile);
    const served = await eventually(() => getTrusting(second.pem, port, '/healthz'), { timeoutMs: 10_000, intervalMs: 100 });
    expect(served).toEqual({ status: 200, fingerprint: second.fingerprint });

    await eventually(async () => expect(lines.join('\n')).toContain('TLS certificate reloaded'));
    expect(lines.join('\n')).not.toContain('PRIVATE KEY');
    const exited = exitCode(child);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
