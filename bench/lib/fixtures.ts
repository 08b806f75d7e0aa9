/** The bearer token every bench request carries (regcred checks it; the baselines ignore it). */
/** What one connection sends next: `connection` is its index, `sequence` unique across the whole bench. */
export type RequestFactory = (connection: number, sequence: number) => { method: 'POST' | 'PUT'; path: string; body: string };

export const BENCH_TOKEN = 'bench-token-not-a-secret-0123456789';

/** The one credential the brief names; `password` is varied per request where every write must change something. */
export const CREDENTIALS = { server: 'registry.example.com', username: 'janedoe', password: 's3cr3t', email: 'jane@example.com' };

const RENDER_BODY = JSON.stringify(CREDENTIALS);

export const renderRequest: RequestFactory = () => ({ method: 'POST', path: '/v1/render', body: RENDER_BODY });

/** PUTs to `<prefix>-<connection>`: each connection writes its own secret, so no write conflicts with another. */
export function applyRequest(namespace: string, prefix: string): RequestFactory {
  return (connection, sequence) => ({
    method: 'PUT',
    path: `/v1/namespaces/${namespace}/pullsecrets/${prefix}-${connection}`,
    body: JSON.stringify({ ...CREDENTIALS, password: `s3cr3t-${sequence}` }),
  });
}

/** The fan-out PUT's body: the credential of `kubectl create secret docker-registry` (no e-mail), with `password`, for every namespace. */
export function fanOutBody(namespaces: readonly string[], password: string): string {
  const { server, username } = CREDENTIALS;
  return JSON.stringify({ server, username, password, namespaces });
}
