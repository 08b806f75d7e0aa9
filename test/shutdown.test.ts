import { Agent, createServer, get, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryCluster } from '../src/cluster/memory/cluster.js';
import { Lifecycle, drainOnShutdown } from '../src/shutdown.js';
import { buildTestApp, type TestApp } from './support/test-app.js';

const SECRET = '/v1/namespaces/default/pullsecrets/regcred';

interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  socket: IncomingMessage['socket'];
}

function fetchOver(agent: Agent, port: number, path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, agent }, (res) => {
      // Taken now: a kept-alive socket is detached from the response once it ends.
      const socket = res.socket;
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, socket }));
    }).on('error', reject);
  });
}

/** An app whose cluster holds `regcred` and parks every readSecret until `release` is called. */
async function appWithParkedReads(lifecycle: Lifecycle) {
  const cluster = new MemoryCluster({ namespaces: ['default'] });
  const t: TestApp = buildTestApp({ cluster, isDraining: lifecycle.isDraining });
  await request(t.app).put(SECRET).send({ username: 'janedoe', password: 'pw' }).expect(201);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let entered!: () => void;
  const reading = new Promise<void>((resolve) => (entered = resolve));
  const read = cluster.readSecret.bind(cluster);
  cluster.readSecret = async (namespace, name) => {
    entered();
    await gate;
    return read(namespace, name);
  };
  return { app: t.app, reading, release };
}

const open: { server: Server; agents: Agent[] }[] = [];
afterEach(() => {
  for (const { server, agents } of open.splice(0)) {
    agents.forEach((a) => a.destroy());
    server.closeAllConnections();
    server.close();
  }
});

async function listen(app: TestApp['app']): Promise<{ server: Server; port: number; agents: [Agent, Agent] }> {
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const agents: [Agent, Agent] = [new Agent({ keepAlive: true }), new Agent({ keepAlive: true })];
  open.push({ server, agents });
  return { server, port: (server.address() as AddressInfo).port, agents };
}

const closed = (socket: Answer['socket']) =>
  new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));

describe('graceful shutdown (src/shutdown.ts)', () => {
  it('when shutdown starts, then /readyz answers 503 at once, idle connections close, and the in-flight request finishes before the server closes', async () => {
    const lifecycle = new Lifecycle();
    const { app, reading, release } = await appWithParkedReads(lifecycle);
    const { server, port, agents } = await listen(app);
    const idle = await fetchOver(agents[0], port, '/healthz');
    expect(idle.status).toBe(200);
    const inFlight = fetchOver(agents[1], port, SECRET);
    await reading;

    let finished = false;
    const drain = drainOnShutdown(server, { lifecycle, logger: pino({ level: 'silent' }), graceMs: 10_000 })('SIGTERM');
    void drain.then(() => (finished = true));

    const ready = await request(app).get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({ status: 'unavailable' });
    const status = await request(app).get('/v1/status');
    expect(status.body).toMatchObject({ status: 'unavailable', detail: expect.stringContaining('shutting down') });
    await closed(idle.socket);
    expect(finished).toBe(false);

    release();
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    const answered = Date.now();
    expect(await drain).toEqual({ drained: true });
    // Well before the kept-alive connection's own 5 s idle timeout.
    expect(Date.now() - answered).toBeLessThan(2_000);
    expect(server.listening).toBe(false);
  });

  it('when an in-flight request outlasts the grace period, then its connection is cut and the drain ends anyway', async () => {
    const lifecycle = new Lifecycle();
    const { app, reading, release } = await appWithParkedReads(lifecycle);
    const { server, port, agents } = await listen(app);
    const inFlight = fetchOver(agents[0], port, SECRET).then(
      () => 'answered',
      () => 'cut',
    );
    await reading;
    const started = Date.now();
    const outcome = await drainOnShutdown(server, { lifecycle, logger: pino({ level: 'silent' }), graceMs: 200 })('SIGTERM');
    expect(outcome).toEqual({ drained: false });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await inFlight).toBe('cut');
    release();
  });
});
