import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import multer from 'multer';
import type { Logger } from 'pino';
import { AppError, BadRequestError, NotFoundError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../../errors.js';
import { requestIdOf } from './access-log.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Writes an AppError as RFC 9457 problem details. */
export function sendProblem(req: Request, res: Response, error: AppError): void {
  const requestId = requestIdOf(res);
  res
    .status(error.status)
    .set(error.headers)
    .type(PROBLEM_CONTENT_TYPE)
    .send(
      JSON.stringify({
        type: 'about:blank',
        title: error.title,
        status: error.status,
        detail: error.message,
        instance: req.originalUrl.split('?')[0],
        ...(typeof requestId === 'string' ? { requestId } : {}),
        ...(error.errors.length > 0 ? { errors: error.errors } : {}),
        ...error.extensions,
      }),
    );
}

export const notFoundHandler: RequestHandler = (req) => {
  throw new NotFoundError(`no route for ${req.method} ${req.path}`);
};

/** The one place errors become answers: known kinds keep their status, everything else is a generic 500. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const known = toAppError(error);
    if (known) {
      sendProblem(req, res, known);
      return;
    }
    // The detail goes to the log under the request id; the caller learns nothing about internals.
    logger.error({ error: withoutMessage(error), requestId: requestIdOf(res) }, 'unhandled error');
    sendProblem(
      req,
      res,
      new AppError(500, 'Internal Server Error', 'an unexpected error occurred; quote the requestId when reporting it'),
    );
  };
}

// An unexpected error's message could quote input (and so a secret): log its kind and where it was thrown only.
function withoutMessage(error: unknown): { type: string; stack?: string } {
  if (!(error instanceof Error)) return { type: typeof error };
  return { type: error.constructor.name, stack: error.stack?.split('\n').slice(1).join('\n') };
}

/** Maps what express, body-parser and multer throw onto our error kinds, without echoing request content. */
function toAppError(error: unknown): AppError | undefined {
  if (error instanceof AppError) return error;
  if (error instanceof multer.MulterError) return fromMulter(error);
  // The router could not percent-decode a path segment (e.g. `%E9`, `%ZZ`); the segment is not echoed.
  if (error instanceof URIError) {
    return new BadRequestError('the request path is not valid percent-encoded UTF-8', [
      { path: 'path', code: 'invalid_encoding', message: 'each path segment must be valid percent-encoded UTF-8' },
    ]);
  }
  const type = (error as { type?: unknown })?.type;
  switch (type) {
    case 'entity.parse.failed':
      return new BadRequestError('the request body is not valid JSON');
    case 'entity.too.large':
      return new PayloadTooLargeError(`the request body exceeds the limit of ${(error as { limit?: number }).limit} bytes`);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new UnsupportedMediaTypeError('the request body must be UTF-8 encoded');
    case 'request.aborted':
      return new BadRequestError('the request was aborted by the client');
    case 'stream.encoding.set':
    case 'stream.not.readable':
      return new BadRequestError('the request body could not be read');
  }
  const status = (error as { status?: unknown })?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new AppError(status, 'Bad Request', 'the request could not be processed');
  }
  return undefined;
}

function fromMulter(error: multer.MulterError): AppError {
  switch (error.code) {
    case 'LIMIT_FILE_SIZE':
    case 'LIMIT_FIELD_VALUE':
    case 'LIMIT_PART_COUNT':
      return new PayloadTooLargeError('the uploaded file exceeds the size limit');
    case 'LIMIT_UNEXPECTED_FILE':
      return new BadRequestError('upload exactly one file, in the multipart part named "config"', [
        { path: error.field ?? 'config', code: 'unexpected_file', message: 'only one file part named "config" is accepted' },
      ]);
    default:
      return new BadRequestError('the multipart upload is malformed or exceeds a limit');
  }
}
