import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Server } from 'node:https';
import { createSecureContext } from 'node:tls';
import type { Logger } from 'pino';
import type { Config } from './config.js';

type TlsConfig = NonNullable<Config['tls']>;

export interface TlsCredentials {
  cert: Buffer;
  key: Buffer;
}

/** Reads the certificate chain and key named in the configuration (at start-up: a failure stops the start). */
export function readTlsCredentials({ certFile, keyFile }: TlsConfig): TlsCredentials {
  return { cert: readFileSync(certFile), key: readFileSync(keyFile) };
}

/** What may be logged about a certificate: public facts, never the key. */
export function describeCertificate(cert: Buffer): { subject: string; validTo: string; fingerprint256: string } {
  const x509 = new X509Certificate(cert);
  return { subject: x509.subject.replace(/\n/g, ', '), validTo: x509.validTo, fingerprint256: x509.fingerprint256 };
}

/**
 * Rereads the files every `reloadIntervalMs` and, when their content changed, gives new connections
 * the new certificate and key. Contents are compared rather than watched: a mounted Secret changes
 * through a symlink swap, which fs.watch on the file does not follow. A pair that does not load (a
 * half-written update, a key that does not match) is logged and retried at the next check, while
 * the previous pair keeps being served. Returns a function that stops the checks.
 */
export function reloadTlsOnChange(server: Server, config: TlsConfig, loaded: TlsCredentials, logger: Logger): () => void {
  let current = loaded;
  let lastFailure: string | undefined;
  let checking = false;
  const check = async () => {
    if (checking) return;
    checking = true;
    try {
      const [cert, key] = await Promise.all([readFile(config.certFile), readFile(config.keyFile)]);
      if (cert.equals(current.cert) && key.equals(current.key)) return;
      // Validates the pair (and that the key matches the certificate) before it is served.
      createSecureContext({ cert, key });
      server.setSecureContext({ cert, key });
      current = { cert, key };
      lastFailure = undefined;
      logger.info({ certFile: config.certFile, certificate: describeCertificate(cert) }, 'TLS certificate reloaded');
    } catch (error) {
      // Only the error code: an OpenSSL message can quote part of the file.
      const code = (error as { code?: unknown }).code;
      const reason = typeof code === 'string' ? code : 'the certificate or key does not load';
      if (reason !== lastFailure)
        logger.warn(
          { certFile: config.certFile, keyFile: config.keyFile, reason },
          'TLS certificate not reloaded; still serving the previous one',
        );
      lastFailure = reason;
    } finally {
      checking = false;
    }
  };
  const timer = setInterval(() => void check(), config.reloadIntervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
