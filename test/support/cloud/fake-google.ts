import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { closeServer, listenOnLoopback, tracked } from '../loopback.js';
import { answer, bodyOf, FailureQueue, formOf, type InjectedFailure } from './wire.js';

export interface GoogleCall {
  endpoint: 'metadata' | 'sts';
  method: string;
  path: string;
  query: Record<string, string>;
  /** The `Metadata-Flavor` request header, which the real server insists on. */
  metadataFlavor?: string;
  /** STS: the token-exchange form as sent. */
  form?: Record<string, string>;
}

export interface MintedGoogleToken {
  token: string;
  expiresAt: Date;
}

export interface FakeGoogle {
  /** `127.0.0.1:PORT`, as GCE_METADATA_HOST takes it. */
  metadataHost: string;
  /** `http://127.0.0.1:PORT/v1/token`: the `token_url` of an external_account file. */
  stsTokenUrl: string;
  calls: GoogleCall[];
  options: { tokenLifetimeSeconds: number };
  failNext(endpoint: 'token' | 'sts', failure: InjectedFailure): void;
  hangNext(endpoint: 'token' | 'sts', times?: number): void;
  minted(): MintedGoogleToken[];
  isLive(token: string): boolean;
  stop(): Promise<void>;
}

const METADATA = '/computeMetadata/v1/';
const TOKEN_PATH = `${METADATA}instance/service-accounts/default/token`;

/**
 * The GCE/GKE metadata server (only for requests saying `Metadata-Flavor: Google`, and saying it back),
 * and Google STS's token exchange (RFC 8693) for workload identity federation, on one loopback server.
 */
export async function startFakeGoogle(options: { tokenLifetimeSeconds?: number } = {}): Promise<FakeGoogle> {
  const calls: GoogleCall[] = [];
  const tokens: MintedGoogleToken[] = [];
  const failures = new FailureQueue<'token' | 'sts'>();
  const settings = { tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3599 };

  const mint = () => {
    const token = `ya29.${randomBytes(24).toString('base64url')}`;
    tokens.push({ token, expiresAt: new Date(Date.now() + settings.tokenLifetimeSeconds * 1000) });
    return { access_token: token, expires_in: settings.tokenLifetimeSeconds, token_type: 'Bearer' };
  };

  const server = createServer((req, res) => {
    void bodyOf(req).then((body) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const query = Object.fromEntries(url.searchParams);
      if (url.pathname === '/v1/token') {
        const failure = failures.take('sts');
        if (failure === 'hang') return;
        const form = formOf(body);
        calls.push({ endpoint: 'sts', method: req.method ?? '', path: url.pathname, query, form });
        if (failure) return answer(res, failure.status, 'application/json', oauthError(failure));
        if (form.grant_type !== 'urn:ietf:params:oauth:grant-type:token-exchange' || !form.subject_token)
          return answer(res, 400, 'application/json', JSON.stringify({ error: 'invalid_request' }));
        return answer(
          res,
          200,
          'application/json',
          JSON.stringify({ ...mint(), issued_token_type: 'urn:ietf:params:oauth:token-type:access_token' }),
        );
      }
      const flavor = req.headers['metadata-flavor'];
      calls.push({
        endpoint: 'metadata',
        method: req.method ?? '',
        path: url.pathname,
        query,
        metadataFlavor: flavor as string | undefined,
      });
      const headers = { 'metadata-flavor': 'Google' };
      if (flavor !== 'Google') return answer(res, 403, 'text/html', 'Missing Metadata-Flavor:Google header.', headers);
      if (url.pathname === TOKEN_PATH) {
        const failure = failures.take('token');
        if (failure === 'hang') return;
        if (failure) return answer(res, failure.status, 'application/json', oauthError(failure), headers);
        return answer(res, 200, 'application/json', JSON.stringify(mint()), headers);
      }
      if (url.pathname === METADATA.slice(0, -1) + '/instance' || url.pathname === `${METADATA}instance`)
        return answer(res, 200, 'application/text', 'attributes/\nhostname\nid\nservice-accounts/\nzone\n', headers);
      answer(res, 404, 'text/html', 'not found', headers);
    });
  });

  const port = await listenOnLoopback(server);
  return {
    metadataHost: `127.0.0.1:${port}`,
    stsTokenUrl: `http://127.0.0.1:${port}/v1/token`,
    calls,
    options: settings,
    failNext: (endpoint, failure) => failures.failNext(endpoint, failure),
    hangNext: (endpoint, times) => failures.hangNext(endpoint, times),
    minted: () => [...tokens],
    isLive: (token) => tokens.some((t) => t.token === token && t.expiresAt.getTime() > Date.now()),
    stop: tracked(() => closeServer(server)),
  };
}

function oauthError(failure: InjectedFailure): string {
  return JSON.stringify({ error: failure.code, error_description: failure.message });
}
