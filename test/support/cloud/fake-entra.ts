import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import { closeServer, listenOnLoopback, tracked } from '../loopback.js';
import type { TestCa } from '../test-ca.js';
import { answer, bodyOf, FailureQueue, formOf, unsignedJwt, type InjectedFailure } from './wire.js';

export type EntraEndpoint = 'discovery' | 'token' | 'exchange';

export interface EntraCall {
  endpoint: EntraEndpoint | 'other';
  method: string;
  path: string;
  form?: Record<string, string>;
}

export interface MintedRefreshToken {
  service: string;
  refreshToken: string;
  expiresAt?: Date;
}

export interface FakeEntraOptions {
  ca: TestCa;
  tenant?: string;
  /** The client secret the token endpoint accepts (any client assertion is accepted and recorded). */
  clientSecret?: string;
  refreshTokenLifetimeSeconds?: number;
}

export interface FakeEntra {
  /** `https://127.0.0.1:PORT`: AZURE_AUTHORITY_HOST. */
  authorityHost: string;
  /** `127.0.0.1:PORT`: the "registry" whose /oauth2/exchange this fake answers too. */
  registryHost: string;
  tenant: string;
  calls: EntraCall[];
  /** Entra access tokens issued, in order. */
  accessTokens: string[];
  options: { refreshTokenLifetimeSeconds: number; refreshTokenWithoutExp: boolean };
  failNext(endpoint: 'token' | 'exchange', failure: InjectedFailure): void;
  hangNext(endpoint: 'token' | 'exchange', times?: number): void;
  minted(): MintedRefreshToken[];
  isLive(refreshToken: string): boolean;
  stop(): Promise<void>;
}

const DISCOVERY = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/;
const TOKEN = /^\/([^/]+)\/oauth2\/v2\.0\/token$/;

/**
 * An Entra ID authority (OIDC discovery, the v2.0 token endpoint for client_credentials with a secret or
 * a client assertion) and an ACR's /oauth2/exchange, on one HTTPS loopback server with the cloud test CA.
 */
export async function startFakeEntra(options: FakeEntraOptions): Promise<FakeEntra> {
  const tenant = options.tenant ?? randomUUID();
  const calls: EntraCall[] = [];
  const accessTokens: string[] = [];
  const refreshTokens: MintedRefreshToken[] = [];
  const failures = new FailureQueue<'token' | 'exchange'>();
  const settings = { refreshTokenLifetimeSeconds: options.refreshTokenLifetimeSeconds ?? 10_800, refreshTokenWithoutExp: false };
  let base = '';

  const server = createServer({ cert: readFileSync(options.ca.certFile), key: readFileSync(options.ca.keyFile) }, (req, res) => {
    void bodyOf(req).then((body) => {
      const path = new URL(req.url ?? '/', base).pathname;
      const call: EntraCall = { endpoint: 'other', method: req.method ?? '', path };
      calls.push(call);
      const discovery = DISCOVERY.exec(path);
      if (discovery && req.method === 'GET') {
        call.endpoint = 'discovery';
        return json(res, 200, openIdConfiguration(`${base}/${discovery[1]}`));
      }
      if (TOKEN.test(path) && req.method === 'POST') {
        call.endpoint = 'token';
        call.form = formOf(body);
        const failure = failures.take('token');
        if (failure === 'hang') return;
        if (failure) return json(res, failure.status, { error: failure.code, error_description: failure.message });
        return token(res, call.form);
      }
      if (path === '/oauth2/exchange' && req.method === 'POST') {
        call.endpoint = 'exchange';
        call.form = formOf(body);
        const failure = failures.take('exchange');
        if (failure === 'hang') return;
        if (failure) return json(res, failure.status, { errors: [{ code: failure.code, message: failure.message }] });
        return exchange(res, call.form);
      }
      json(res, 404, { error: 'not_found' });
    });
  });

  function token(res: ServerResponse, form: Record<string, string>) {
    const byAssertion = form.client_assertion_type === 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' && !!form.client_assertion;
    const bySecret = options.clientSecret !== undefined && form.client_secret === options.clientSecret;
    if (form.grant_type !== 'client_credentials' || !(byAssertion || bySecret))
      return json(res, 401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' });
    const now = Math.floor(Date.now() / 1000);
    const accessToken = unsignedJwt({
      aud: 'https://containerregistry.azure.net',
      tid: tenant,
      appid: form.client_id,
      iat: now,
      exp: now + 3600,
    });
    accessTokens.push(accessToken);
    json(res, 200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: accessToken });
  }

  function exchange(res: ServerResponse, form: Record<string, string>) {
    if (form.grant_type !== 'access_token' || !accessTokens.includes(form.access_token ?? ''))
      return json(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] });
    const expiresAt = settings.refreshTokenWithoutExp
      ? undefined
      : new Date((Math.floor(Date.now() / 1000) + settings.refreshTokenLifetimeSeconds) * 1000);
    const refreshToken = unsignedJwt({
      jti: randomBytes(8).toString('hex'),
      iss: 'Azure Container Registry',
      aud: form.service,
      grant_type: 'refresh_token',
      tenant: form.tenant,
      ...(expiresAt ? { exp: expiresAt.getTime() / 1000 } : {}),
    });
    refreshTokens.push({ service: form.service ?? '', refreshToken, expiresAt });
    json(res, 200, { refresh_token: refreshToken });
  }

  const port = await listenOnLoopback(server);
  base = `https://127.0.0.1:${port}`;
  return {
    authorityHost: base,
    registryHost: `127.0.0.1:${port}`,
    tenant,
    calls,
    accessTokens,
    options: settings,
    failNext: (endpoint, failure) => failures.failNext(endpoint, failure),
    hangNext: (endpoint, times) => failures.hangNext(endpoint, times),
    minted: () => [...refreshTokens],
    isLive: (refreshToken) =>
      refreshTokens.some((t) => t.refreshToken === refreshToken && (t.expiresAt?.getTime() ?? Infinity) > Date.now()),
    stop: tracked(() => closeServer(server)),
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  answer(res, status, 'application/json; charset=utf-8', JSON.stringify(body));
}

function openIdConfiguration(authority: string) {
  return {
    issuer: `${authority}/v2.0`,
    authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
    token_endpoint: `${authority}/oauth2/v2.0/token`,
    end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
    jwks_uri: `${authority}/discovery/v2.0/keys`,
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    tenant_region_scope: 'EU',
  };
}
