import express, { type Request, type RequestHandler } from 'express';
import multer from 'multer';
import { AppError, BadRequestError, UnsupportedMediaTypeError } from '../../errors.js';

export const JSON_TYPES = ['application/json', 'application/*+json'];
export const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml'];
export const INSPECT_TYPES = [...JSON_TYPES, ...YAML_TYPES, 'text/plain'];
export const MANIFEST_TYPES = [...JSON_TYPES, ...YAML_TYPES];

export interface BodyParsers {
  /** A JSON object body, parsed; anything else is refused. */
  json: RequestHandler[];
  /** A Docker config.json: multipart part `config`, or the raw JSON body; leaves the bytes in req.body as a Buffer. */
  dockerConfig: RequestHandler[];
  /** The raw bytes of a JSON, YAML or text body, in req.body as a Buffer. */
  inspectable: RequestHandler[];
  /** The raw bytes of a JSON or YAML body (manifests, `kubectl get -o yaml` output, several documents), in req.body as a Buffer. */
  manifests: RequestHandler[];
}

/** The body bytes the dockerConfig and inspectable parsers left behind; an empty body is an empty Buffer. */
export function bodyBytes(req: Request): Buffer {
  return Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
}

export function createBodyParsers(limitBytes: number): BodyParsers {
  const upload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: limitBytes, files: 1, fields: 0, parts: 1, fieldNameSize: 100, headerPairs: 20 },
  }).single('config');

  const fromMultipart: RequestHandler = (req, _res, next) => {
    if (!req.is('multipart/form-data')) return next();
    upload(req, _res, (error?: unknown) => {
      if (error) return next(asUploadError(error));
      if (!req.file)
        return next(
          new BadRequestError('the multipart body has no file part named "config"', [
            { path: 'config', code: 'required', message: 'upload the file as -F config=@$HOME/.docker/config.json' },
          ]),
        );
      req.body = req.file.buffer;
      next();
    });
  };

  return {
    // The content type is checked once, up front; the parser need not test it again.
    json: [requireContentType(JSON_TYPES), express.json({ limit: limitBytes, type: () => true, strict: true }), requireObjectBody],
    dockerConfig: [
      requireContentType([...JSON_TYPES, 'multipart/form-data']),
      fromMultipart,
      express.raw({ limit: limitBytes, type: JSON_TYPES }),
    ],
    inspectable: [requireContentType(INSPECT_TYPES), express.raw({ limit: limitBytes, type: INSPECT_TYPES })],
    manifests: [requireContentType(MANIFEST_TYPES), express.raw({ limit: limitBytes, type: MANIFEST_TYPES })],
  };
}

/**
 * multer's own limit errors keep their meaning; anything else its parser (busboy) throws — a missing
 * boundary, a truncated body, a broken part header — is the caller's malformed upload. Its message
 * is not passed on: it may quote what was sent.
 */
function asUploadError(error: unknown): unknown {
  if (error instanceof multer.MulterError || error instanceof AppError) return error;
  return new BadRequestError(
    'the multipart body is malformed: send a well-formed multipart/form-data body with one file part named "config"',
    [
      {
        path: 'config',
        code: 'malformed_multipart',
        message: 'the multipart body could not be parsed (missing boundary, truncated body or broken part header)',
      },
    ],
  );
}

function requireContentType(types: string[]): RequestHandler {
  // Most callers send one of the types verbatim: that needs no media-type parsing.
  const verbatim = new Set(types.filter((type) => !type.includes('*')));
  return (req, _res, next) => {
    const type = req.headers['content-type'];
    if ((type !== undefined && verbatim.has(type) && hasBody(req)) || req.is(types)) return next();
    // The header's value is not echoed: whatever a caller sends is kept out of answers.
    const problem = req.get('content-type') ? 'this content type is not accepted here' : 'the request has no content type';
    next(new UnsupportedMediaTypeError(`${problem}; send one of: ${types.join(', ')}`));
  };
}

// As type-is decides it: without Transfer-Encoding or a Content-Length there is no body, and its type does not count.
function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || !Number.isNaN(Number(req.headers['content-length']));
}

const requireObjectBody: RequestHandler = (req, _res, next) => {
  const body: unknown = req.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return next(new BadRequestError('the request body must be a JSON object'));
  }
  next();
};
