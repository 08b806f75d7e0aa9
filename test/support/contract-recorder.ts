import type { Request, RequestHandler } from 'express';
import { ABSENT, contractViolation, documentIn, requestViolation } from './openapi-contract.js';

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

/** What the request's body held, as the app's parsers left it: a JSON object, or an upload's bytes (a multipart file's, read as the JSON body would be). */
export function documentOf(req: Request, contentType: string): unknown {
  const file = (req as { file?: { buffer: Buffer } }).file;
  if (file) return documentIn(file.buffer, 'application/json');
  const raw: unknown = req.body;
  if (raw === undefined) return ABSENT;
  return Buffer.isBuffer(raw) ? documentIn(raw, contentType) : raw;
}
