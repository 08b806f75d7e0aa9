import type { Request, RequestHandler } from 'express';
import { parse } from 'yaml';
import { ABSENT, contractViolation, requestViolation, UNREADABLE } from './openapi-contract.js';

/** Contract violations seen by apps built with buildTestApp; checked after every test (test/support/contract-setup.ts). */
export const contractViolations: string[] = [];

/**
 * Middleware that checks every response the app sends against openapi.yaml, and every request it accepted
 * (its parameters and its body, once the app's parsers read it), so no test can forget to.
 */
export const recordContractViolations: RequestHandler = (req, res, next) => {
  const chunks: Buffer[] = [];
  const write = res.write.bind(res);
  const end = res.end.bind(res);
  const keep = (chunk: unknown) => {
    if (chunk && typeof chunk !== 'function') chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  };
  res.write = ((chunk: unknown, ...rest: never[]) => {
    keep(chunk);
    return write(chunk as never, ...rest);
  }) as typeof res.write;
  res.end = ((chunk?: unknown, ...rest: never[]) => {
    keep(chunk);
    return end(chunk as never, ...rest);
  }) as typeof res.end;
  res.on('finish', () => {
    const violation = contractViolation({
      method: req.method,
      path: req.originalUrl,
      status: res.statusCode,
      contentType: String(res.getHeader('content-type') ?? ''),
      text: Buffer.concat(chunks).toString('utf8'),
    });
    if (violation) contractViolations.push(violation);
    const contentType = String(req.headers['content-type'] ?? '');
    const accepted = requestViolation({
      method: req.method,
      url: req.originalUrl,
      status: res.statusCode,
      contentType,
      body: documentOf(req, contentType),
    });
    if (accepted) contractViolations.push(accepted);
  });
  next();
};

/** What the request's body held, as the app's parsers left it: a JSON object, or an upload's bytes (a multipart file's, parsed as the JSON body would be). */
export function documentOf(req: Request, contentType: string): unknown {
  const file = (req as { file?: { buffer: Buffer } }).file;
  const raw: unknown = file?.buffer ?? req.body;
  if (raw === undefined) return ABSENT;
  if (!Buffer.isBuffer(raw)) return raw;
  if (raw.length === 0) return ABSENT;
  const mediaType = file ? 'application/json' : contentType.split(';')[0]!.trim().toLowerCase();
  const text = raw.toString('utf8');
  try {
    if (mediaType.endsWith('json')) return JSON.parse(text) as unknown;
    if (mediaType.includes('yaml')) return parse(text) as unknown;
    return text;
  } catch {
    return UNREADABLE;
  }
}
