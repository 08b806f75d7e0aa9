import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';

const started = new Set<() => Promise<void>>();

/** Remembers `stop` until it has run, so `stopTestServers` can end what a failed test left behind. */
export function tracked(stop: () => Promise<void>): () => Promise<void> {
  const once = async () => {
    started.delete(once);
    await stop();
  };
  started.add(once);
  return once;
}

/** Stops every test server and registry still running in this worker (for afterAll/afterEach). */
export async function stopTestServers(): Promise<void> {
  await Promise.allSettled([...started].map((stop) => stop()));
}

/** Listens on 127.0.0.1 at a port the kernel picks; answers the port. */
export function listenOnLoopback(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Closes a server without waiting for idle keep-alive connections. */
export function closeServer(server: Server & { closeAllConnections?: () => void }): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections?.();
  });
}

/** A port that was free a moment ago, for programs that cannot be told to pick their own. */
export async function freePort(): Promise<number> {
  const server = createServer();
  const port = await listenOnLoopback(server);
  await closeServer(server);
  return port;
}
