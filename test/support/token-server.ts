import { randomUUID, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importPKCS8, SignJWT } from 'jose';
import { closeServer, listenOnLoopback, tracked } from './loopback.js';
import { createSigningCert, type SigningCert, type TestCa } from './test-ca.js';

export interface TokenRequest {
  method: string;
  path: string;
  /** Every query parameter, repeated ones (`scope`) in order. */
  query: Record<string, string[]>;
  /** Whether Basic credentials came with it; the password is never kept. */
  basicAuth: boolean;
  user?: string;
}

export interface TokenServer {
  /** `https://127.0.0.1:PORT/token`, the realm registries send clients to. */
  realm: string;
  service: string;
  issuer: string;
  /** The PEM bundle a registry verifies this server's tokens against. */
  rootCertBundleFile: string;
  requests: TokenRequest[];
  stop(): Promise<void>;
}

export interface TokenServerOptions {
  /** name → password */
  users?: Record<string, string>;
  /**
   * Decides the Basic credentials `users` does not accept, asked on every token request: a fake
   * cloud's "exactly what I minted and is still live" (a throw counts as a refusal).
   */
  accept?: (username: string, password: string) => boolean;
  /** name → the repositories that user may pull */
  grants: Record<string, string[]>;
  /** name → the repositories that user may push to and pull (a test's own uploader, say) */
  pushGrants?: Record<string, string[]>;
  /**
   * The repositories anyone may pull: a request without credentials then gets a token (as Docker
   * Hub's anonymous pulls do) for these only. Absent: a request without credentials gets 401.
   */
  anonymousGrants?: string[];
  /**
   * A realm that refuses a login asking for a repository it may not pull with 403 (as Harbor's and
   * GitLab's do), instead of a token without that access (distribution's reference token server).
   */
  forbidUngranted?: boolean;
  ca: TestCa;
  service: string;
}

interface Access {
  type: 'repository';
  name: string;
  actions: string[];
}

const TOKEN_LIFETIME_S = 300;

/** A Docker token-auth server (GET /token with Basic auth) issuing RS256 JWTs whose `x5c` the registry checks. */
export async function startTokenServer(options: TokenServerOptions): Promise<TokenServer> {
  const dir = mkdtempSync(join(tmpdir(), 'regcred-token-server-'));
  const signer = createSigningCert(dir);
  const key = await importPKCS8(signer.keyPem, 'RS256');
  const issuer = 'regcred-test-token-server';
  const requests: TokenRequest[] = [];

  const server = createServer({ cert: readFileSync(options.ca.certFile), key: readFileSync(options.ca.keyFile) }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const credentials = basicCredentials(req);
    requests.push({
      method: req.method ?? '',
      path: url.pathname,
      query: queryOf(url),
      basicAuth: credentials !== undefined,
      user: credentials?.user,
    });
    if (url.pathname !== '/token') return json(res, 404, { details: 'not found' });
    if (req.method !== 'GET') return json(res, 405, { details: 'method not allowed' }, { Allow: 'GET' });
    const anonymous = !credentials && options.anonymousGrants !== undefined;
    if (!anonymous && (!credentials || !accepted(options, credentials))) {
      return json(res, 401, { details: 'incorrect username or password' }, { 'WWW-Authenticate': 'Basic realm="regcred-test-token"' });
    }
    if (url.searchParams.get('service') !== options.service) return json(res, 400, { details: 'unknown or missing service' });
    const access = grantedAccess(
      url.searchParams.getAll('scope'),
      credentials
        ? { pull: options.grants[credentials.user] ?? [], push: options.pushGrants?.[credentials.user] ?? [] }
        : { pull: options.anonymousGrants ?? [], push: [] },
    );
    if (options.forbidUngranted && credentials && access.length === 0 && url.searchParams.getAll('scope').length > 0) {
      return json(res, 403, { details: 'access to the requested resource is not authorized' });
    }
    const subject = credentials?.user ?? '';
    void issueToken({ key, signer, issuer, service: options.service, subject, access }).then(
      (answer) => json(res, 200, answer),
      () => json(res, 500, { details: 'cannot sign the token' }),
    );
  });
  const port = await listenOnLoopback(server);
  const stop = tracked(async () => {
    await closeServer(server);
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    realm: `https://127.0.0.1:${port}/token`,
    service: options.service,
    issuer,
    rootCertBundleFile: signer.certFile,
    requests,
    stop,
  };
}

/**
 * What was asked (`repository:<name>:<actions>`, several per parameter allowed) and granted: pull on
 * pull-granted repositories, pull and push on push-granted ones.
 */
function grantedAccess(scopes: string[], granted: { pull: string[]; push: string[] }): Access[] {
  const access: Access[] = [];
  for (const scope of scopes.flatMap((value) => value.split(' ')).filter(Boolean)) {
    const [type, ...rest] = scope.split(':');
    const asked = (rest.pop() ?? '').split(',');
    const name = rest.join(':');
    const allowed = granted.push.includes(name) ? ['pull', 'push'] : granted.pull.includes(name) ? ['pull'] : [];
    const actions = allowed.filter((action) => asked.includes(action));
    if (type === 'repository' && actions.length > 0) access.push({ type, name, actions });
  }
  return access;
}

type SigningKey = Awaited<ReturnType<typeof importPKCS8>>;

async function issueToken(claims: {
  key: SigningKey;
  signer: SigningCert;
  issuer: string;
  service: string;
  subject: string;
  access: Access[];
}) {
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ access: claims.access })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', x5c: [claims.signer.x5c] })
    .setIssuer(claims.issuer)
    .setSubject(claims.subject)
    .setAudience(claims.service)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + TOKEN_LIFETIME_S)
    .setJti(randomUUID())
    .sign(claims.key);
  return { token, access_token: token, expires_in: TOKEN_LIFETIME_S, issued_at: new Date(now * 1000).toISOString() };
}

function basicCredentials(req: IncomingMessage): { user: string; password: string } | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function accepted(options: TokenServerOptions, { user, password }: { user: string; password: string }): boolean {
  const users = options.users ?? {};
  if (Object.hasOwn(users, user) && passwordMatches(users[user], password)) return true;
  try {
    return options.accept?.(user, password) === true;
  } catch {
    return false;
  }
}

function passwordMatches(expected: string | undefined, given: string): boolean {
  if (expected === undefined) return false;
  const [a, b] = [Buffer.from(expected), Buffer.from(given)];
  return a.length === b.length && timingSafeEqual(a, b);
}

function queryOf(url: URL): Record<string, string[]> {
  const query: Record<string, string[]> = {};
  for (const [name, value] of url.searchParams) (query[name] ??= []).push(value);
  return query;
}

function json(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end(JSON.stringify(body));
}
