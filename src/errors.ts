/** One field-level validation failure, as reported in a problem's `errors[]`. */
export interface FieldError {
  /** JSON-pointer-like path of the offending field, e.g. `registries/0/username`, or a query/path parameter name. */
  path: string;
  /** The rule that failed, e.g. `too_small`, `invalid_format`, `unrecognized_keys`. */
  code: string;
  message: string;
}

/**
 * An error with meaning: thrown anywhere, answered in one place (http/problem.ts).
 * Messages must never contain secret material: they are shown to callers.
 */
export class AppError extends Error {
  /** RFC 9457 extension members added to the problem body (never secret material). */
  extensions: Record<string, unknown> = {};

  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
    readonly errors: FieldError[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = new.target.name;
  }
}

export class BadRequestError extends AppError {
  constructor(detail: string, errors: FieldError[] = []) {
    super(400, 'Bad Request', detail, errors);
  }
}

export class ValidationError extends AppError {
  constructor(detail: string, errors: FieldError[]) {
    super(422, 'Validation Failed', detail, errors);
  }
}

/** No valid bearer token: the answer says how to authenticate, nothing else. */
export class UnauthorizedError extends AppError {
  constructor(detail = 'send a valid bearer token: Authorization: Bearer <token>') {
    super(401, 'Unauthorized', detail, [], { 'WWW-Authenticate': 'Bearer realm="regcred"' });
  }
}

export class ForbiddenError extends AppError {
  constructor(detail: string) {
    super(403, 'Forbidden', detail);
  }
}

export class TooManyRequestsError extends AppError {
  constructor(retryAfterSeconds: number) {
    super(429, 'Too Many Requests', `too many requests; retry after ${retryAfterSeconds} s`, [], {
      'Retry-After': String(retryAfterSeconds),
    });
  }
}

export class NotFoundError extends AppError {
  constructor(detail: string) {
    super(404, 'Not Found', detail);
  }
}

export class ConflictError extends AppError {
  constructor(detail: string) {
    super(409, 'Conflict', detail);
  }
}

export class UnsupportedMediaTypeError extends AppError {
  constructor(detail: string) {
    super(415, 'Unsupported Media Type', detail);
  }
}

export class NotAcceptableError extends AppError {
  constructor(detail: string) {
    super(406, 'Not Acceptable', detail);
  }
}

export class PayloadTooLargeError extends AppError {
  constructor(detail: string) {
    super(413, 'Payload Too Large', detail);
  }
}

/** The cluster rejected or could not perform an operation for a reason the caller cannot fix. */
export class UpstreamError extends AppError {
  constructor(detail: string) {
    super(502, 'Bad Gateway', detail);
  }
}

export class UnavailableError extends AppError {
  constructor(detail: string, retryAfterSeconds = 5) {
    super(503, 'Service Unavailable', detail, [], { 'Retry-After': String(retryAfterSeconds) });
  }
}
