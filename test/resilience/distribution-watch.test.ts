import { afterEach, describe, expect, it } from 'vitest';
import { KubernetesDistributions } from '../../src/cluster/kubernetes/distributions.js';
import { WatchExpiredError, type WatchEvent } from '../../src/domain/watch.js';
import { UnavailableError, UpstreamError } from '../../src/errors.js';
import { startFakeApiServer, type FakeApiHandler } from '../support/fake-api-server.js';
import { stopTestServers } from '../support/loopback.js';
import { eventually } from '../support/poll.js';

// The watch stream's failure modes, against a fake API server that answers exactly what a test wants.

const TIMEOUT_MS = 400;
afterEach(stopTestServers);

async function fakeApiServer(
  handler: FakeApiHandler,
  options: { watchStallGraceMs?: number } = {},
): Promise<{ port: KubernetesDistributions; requests: URL[] }> {
  const { kubeConfig, requests } = await startFakeApiServer(handler);
  return { port: new KubernetesDistributions(kubeConfig, { timeoutMs: TIMEOUT_MS, ...options }), requests };
}

function watchNamespaces(port: KubernetesDistributions, timeoutSeconds = 30) {
  const events: WatchEvent<unknown>[] = [];
  const closes: { error?: unknown }[] = [];
  const watch = port.namespaces.watch('42', timeoutSeconds, { onEvent: (e) => events.push(e), onClose: (error) => closes.push({ error }) });
  return { events, closes, watch };
}

const line = (event: object) => `${JSON.stringify(event)}\n`;
const namespaceEvent = (type: string, name: string, resourceVersion: string) =>
  line({ type, object: { kind: 'Namespace', metadata: { name, resourceVersion }, status: { phase: 'Active' } } });

describe('KubernetesDistributions watches against a fake API server', () => {
  it('when events arrive split across chunks, then each is delivered whole, in order, with bookmarks, and the end closes without an error', async () => {
    const { port, requests } = await fakeApiServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const text =
        namespaceEvent('ADDED', 'a', '43') +
        line({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '50' } } }) +
        namespaceEvent('DELETED', 'a', '51');
      res.write(text.slice(0, 17));
      setTimeout(() => res.end(text.slice(17)), 50);
    });
    const w = watchNamespaces(port, 7);
    await eventually(async () => expect(w.closes).toEqual([{ error: undefined }]));
    expect(w.events).toEqual([
      { type: 'ADDED', object: expect.objectContaining({ name: 'a', terminating: false }), resourceVersion: '43' },
      { type: 'BOOKMARK', resourceVersion: '50' },
      { type: 'DELETED', object: expect.objectContaining({ name: 'a' }), resourceVersion: '51' },
    ]);
    const asked = Object.fromEntries(requests[0].searchParams);
    expect(requests[0].pathname).toBe('/api/v1/namespaces');
    expect(asked).toEqual({ watch: '1', resourceVersion: '42', timeoutSeconds: '7', allowWatchBookmarks: 'true' });
  });

  it('when the API server answers 410 Gone, or sends an ERROR event with code 410, then the watch closes with WatchExpiredError', async () => {
    let round = 0;
    const { port } = await fakeApiServer((_req, res) => {
      if (round++ === 0) {
        res.writeHead(410, { 'Content-Type': 'application/json' });
        return res.end(JSON.stringify({ kind: 'Status', code: 410, reason: 'Gone' }));
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write(
        line({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version: 1 (629)' } }),
      );
    });
    for (let i = 0; i < 2; i++) {
      const w = watchNamespaces(port);
      await eventually(async () => expect(w.closes).toHaveLength(1));
      expect(w.closes[0].error).toBeInstanceOf(WatchExpiredError);
    }
  });

  it('when a watch goes silent and stays open past its timeoutSeconds (the idle-watch stall of API servers up to 1.20), then it is ended without an error so the informer watches again', async () => {
    const { port } = await fakeApiServer(
      (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.write(namespaceEvent('ADDED', 'before-the-stall', '43'));
        // …and then nothing, and no end: the server neither sends nor closes.
      },
      { watchStallGraceMs: 300 },
    );
    const started = performance.now();
    const w = watchNamespaces(port, 1);
    await eventually(async () => expect(w.closes).toHaveLength(1), { timeoutMs: 5000 });
    expect(w.closes[0]!.error).toBeUndefined();
    expect(performance.now() - started).toBeGreaterThanOrEqual(1000);
    expect(w.events.map((e) => e.type)).toEqual(['ADDED']);
  });

  it('when the API server never answers, then the watch closes with UnavailableError after the connect deadline', async () => {
    const { port } = await fakeApiServer(() => {});
    const w = watchNamespaces(port);
    await eventually(async () => expect(w.closes).toHaveLength(1));
    expect(w.closes[0].error).toBeInstanceOf(UnavailableError);
    expect((w.closes[0].error as Error).message).toContain(`${TIMEOUT_MS} ms`);
  });

  it('when the connection is cut mid-stream, then the watch closes with UnavailableError after the events that arrived', async () => {
    const { port } = await fakeApiServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write(namespaceEvent('ADDED', 'a', '43'));
      setTimeout(() => req.socket.destroy(), 50);
    });
    const w = watchNamespaces(port);
    await eventually(async () => expect(w.closes).toHaveLength(1));
    expect(w.events).toHaveLength(1);
    expect(w.closes[0].error).toBeInstanceOf(UnavailableError);
  });

  it('when a line is not JSON, then the watch closes with UpstreamError', async () => {
    const { port } = await fakeApiServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('<html>proxy error</html>\n');
    });
    const w = watchNamespaces(port);
    await eventually(async () => expect(w.closes).toHaveLength(1));
    expect(w.closes[0].error).toBeInstanceOf(UpstreamError);
  });

  it('when the handler throws, then the watch closes with that error instead of crashing the process', async () => {
    const { port } = await fakeApiServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write(namespaceEvent('ADDED', 'a', '43'));
    });
    const closes: unknown[] = [];
    const boom = new Error('handler failed');
    port.namespaces.watch('42', 30, {
      onEvent: () => {
        throw boom;
      },
      onClose: (error) => closes.push(error),
    });
    await eventually(async () => expect(closes).toEqual([boom]));
  });
});
