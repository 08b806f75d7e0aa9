import type { AddressInfo } from 'node:net';
import type { Express } from 'express';

/** Listens on a free loopback port and tells the parent (over IPC) where; dies with the parent. */
export function listenAndReport(app: Express): void {
  const server = app.listen(0, '127.0.0.1', (error?: Error) => {
    if (error) throw error;
    process.send?.({ port: (server.address() as AddressInfo).port });
  });
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
}
