import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { closeServer, listenOnLoopback, tracked } from './loopback.js';

// A stand-in for a kube-apiserver on 127.0.0.1 that answers exactly what a test wants, or nothing
// at all. Every server here is tracked: `afterEach(stopTestServers)` (./loopback.ts) ends them.

export type FakeApiHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface FakeApiServer {
  /** A kubeconfig that points client-node at this server, with a fake token. */
  kubeConfig: KubeConfig;
  /** Every request's URL, in the order they came. */
  requests: URL[];
}

/** A kubeconfig for the API server at `server`, with a token that is no real one. */
export function kubeConfigAt(server: string, token = 'fake-token'): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    // client-node allows plain http only with skipTLSVerify.
    clusters: [{ name: 'fake', server, skipTLSVerify: true }],
    users: [{ name: 'fake', token }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'fake' }],
    currentContext: 'fake',
  });
  return kubeConfig;
}

/** An HTTP API server that hands every request to `handler`. */
export async function startFakeApiServer(handler: FakeApiHandler): Promise<FakeApiServer> {
  const requests: URL[] = [];
  const server = createHttpServer((req, res) => {
    requests.push(new URL(req.url ?? '/', 'http://fake'));
    handler(req, res);
  });
  const port = await listenTracked(server);
  return { kubeConfig: kubeConfigAt(`http://127.0.0.1:${port}`), requests };
}

/** A handler that answers every request with `status` and `body` as JSON (and `headers`). */
export const answering =
  (status: number, body: unknown, headers: Record<string, string> = {}): FakeApiHandler =>
  (_req, res) => {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

/** The URL of a server that accepts connections and never answers: a stuck API server. */
export async function silentApiServer(): Promise<string> {
  return `https://127.0.0.1:${await listenTracked(createTcpServer(() => {}))}`;
}

/** The URL of a port nothing listens on any more: connections are refused. */
export async function refusingApiServer(): Promise<string> {
  const server = createTcpServer();
  const port = await listenOnLoopback(server);
  await closeServer(server);
  return `https://127.0.0.1:${port}`;
}

/** Listens on a loopback port; stopping destroys the open connections first, so a hanging one cannot hold the close. */
async function listenTracked(server: Server): Promise<number> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => sockets.add(socket));
  const port = await listenOnLoopback(server);
  tracked(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return port;
}
