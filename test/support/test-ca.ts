import { execFileSync } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestCa {
  /** The CA certificate (PEM): what a client must trust. */
  caFile: string;
  caPem: string;
  /** A server certificate for 127.0.0.1 and localhost, signed by the CA, and its key. */
  certFile: string;
  keyFile: string;
}

export interface SigningCert {
  certFile: string;
  keyFile: string;
  keyPem: string;
  /** The certificate as base64 DER, as a JWS `x5c` entry carries it. */
  x5c: string;
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/**
 * A fresh CA and a server certificate it signed, written with openssl into `dir` as `<name>-*`.
 * Every call makes an independent CA, so a second one stands in for "a certificate nobody trusts".
 */
export function createTestCa(dir: string, name = 'test'): TestCa {
  // A random suffix keeps two CAs' subjects apart: clients look issuers up by name.
  const id = `${name}-${randomBytes(4).toString('hex')}`;
  const caFile = join(dir, `${name}-ca.crt`);
  const caKeyFile = join(dir, `${name}-ca.key`);
  const certFile = join(dir, `${name}-server.crt`);
  const keyFile = join(dir, `${name}-server.key`);
  const csrFile = join(dir, `${name}-server.csr`);
  const extFile = join(dir, `${name}-server.ext`);

  openssl(
    'req',
    '-x509',
    ...EC_KEY,
    '-days',
    '2',
    '-subj',
    `/CN=regcred-test-ca-${id}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-keyout',
    caKeyFile,
    '-out',
    caFile,
  );
  openssl('req', '-new', ...EC_KEY, '-subj', `/CN=regcred-test-server-${id}`, '-keyout', keyFile, '-out', csrFile);
  writeFileSync(
    extFile,
    [
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=serverAuth',
    ].join('\n'),
  );
  openssl(
    'x509',
    '-req',
    '-in',
    csrFile,
    '-CA',
    caFile,
    '-CAkey',
    caKeyFile,
    '-set_serial',
    serial(),
    '-days',
    '1',
    '-extfile',
    extFile,
    '-out',
    certFile,
  );
  return { caFile, caPem: readFileSync(caFile, 'utf8'), certFile, keyFile };
}

/**
 * A self-signed RSA certificate for signing registry tokens (RS256). Being its own issuer, the
 * certificate file doubles as the registry's `rootcertbundle`.
 */
export function createSigningCert(dir: string, name = 'token-signer'): SigningCert {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    `/CN=regcred-test-${name}`,
    '-set_serial',
    serial(),
    '-keyout',
    keyFile,
    '-out',
    certFile,
  );
  const x5c = new X509Certificate(readFileSync(certFile)).raw.toString('base64');
  return { certFile, keyFile, keyPem: readFileSync(keyFile, 'utf8'), x5c };
}

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
}

function serial(): string {
  return `0x${randomBytes(8).toString('hex')}`;
}
