import { Writable } from 'node:stream';
import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { accessLog } from '../../src/http/pipeline/access-log.js';
import { createLogger } from '../../src/logger.js';

function loggedApp(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const logger = createLogger(level, sink);
  const app = express()
    .use(accessLog(logger))
    .get('/ok', (_req, res) => {
      // Any other line the app writes is still redacted.
      logger.info({ password: 'canary-pw', nested: { token: 'canary-token' } }, 'other');
      res.send('ok');
    })
    .get('/missing', (_req, res) => void res.status(404).end());
  return { app, logger, lines };
}

describe('accessLog', () => {
  it('writes one line per request with exactly the request id, method, URL, status, duration and peer', async () => {
    const { app, lines } = loggedApp('info');
    await request(app).get('/ok?x=1').set('X-Request-Id', 'id-1');
    const access = lines.filter((l) => l.msg === 'request');
    expect(access).toHaveLength(1);
    expect(Object.keys(access[0]!).sort()).toEqual(
      ['durationMs', 'level', 'method', 'msg', 'remoteAddress', 'requestId', 'service', 'status', 'time', 'url'].sort(),
    );
    expect(access[0]).toMatchObject({ level: 'info', requestId: 'id-1', method: 'GET', url: '/ok?x=1', status: 200, service: 'regcred' });
    expect(lines.find((l) => l.msg === 'other')).toMatchObject({ password: '[REDACTED]', nested: { token: '[REDACTED]' } });
  });

  it('follows the logger level, also when it is changed after the app was built', async () => {
    const { app, logger, lines } = loggedApp('warn');
    await request(app).get('/missing');
    await request(app).get('/ok');
    expect(lines.filter((l) => l.msg === 'request').map((l) => [l.level, l.status])).toEqual([['warn', 404]]);
    logger.level = 'info';
    await request(app).get('/ok');
    expect(lines.filter((l) => l.msg === 'request').map((l) => l.status)).toEqual([404, 200]);
  });
});
