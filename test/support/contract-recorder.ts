import type { RequestHandler } from 'express';
import { contractViolation } from './openapi-contract.js';

/** Contract violations seen by apps built with buildTestApp; checked after every test (test/support/contract-setup.ts). */
export const contractViolations: string[] = [];

/** Middleware that checks every response the app sends against openapi.yaml, so no test can forget to. */
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
  });
  next();
};
