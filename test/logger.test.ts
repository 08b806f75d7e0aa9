import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';

describe('the logger', () => {
  it('censors secret fields should an object carrying them ever be logged', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(chunk.toString()), done()) });
    const logger = createLogger('info', sink);
    logger.info({ password: 'canary-1', entry: { auth: 'canary-2', username: 'u' }, headers: { authorization: 'Bearer canary-3' } }, 'x');
    expect(lines.join('')).not.toMatch(/canary-/);
    expect(JSON.parse(lines[0]!)).toMatchObject({ password: '[REDACTED]', entry: { auth: '[REDACTED]', username: 'u' } });
  });
});
