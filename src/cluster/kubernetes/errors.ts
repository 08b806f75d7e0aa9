import { ApiException } from '@kubernetes/client-node';
import {
  ClusterPermissionError,
  AlreadyExistsError,
  ContinueTokenError,
  NamespaceNotFoundError,
  NamespaceTerminatingError,
  PodNotFoundError,
  SecretNotFoundError,
  ServiceAccountNotFoundError,
  StaleWriteError,
} from '../../domain/cluster.js';
import { AppError, UnavailableError, UpstreamError, ValidationError, type FieldError } from '../../errors.js';
import { DeadlineExceededError } from './deadline.js';

/** What regcred was doing when a request failed, in the API's own terms (RBAC verb and resource). */
export interface ApiCall {
  verb: 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';
  resource:
    | 'secrets'
    | 'serviceaccounts'
    | 'namespaces'
    | 'tokenreviews'
    | 'subjectaccessreviews'
    | 'pods'
    | 'events'
    | 'leases'
    | 'pullsecretdistributions';
  /** e.g. `status`: RBAC names it `<resource>/<subresource>`. */
  subresource?: 'status';
  /** Empty for a call on cluster-scoped namespaces (a list). */
  namespace: string;
  name?: string;
}

interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

/** The parts of a metav1.Status we act on; everything else in an error body is ignored. */
export interface ApiStatus {
  reason?: string;
  details?: { kind?: string; name?: string; causes?: StatusCause[] };
}

/**
 * Translates anything a client-node call threw into one of our errors. Client messages are never
 * passed on: an ApiException's message embeds the raw response body and headers, and a 400's body
 * can quote the Secret's data. Only the HTTP status and the Status reason are kept, as `cause`.
 */
export function translateClusterError(error: unknown, operation: ApiCall): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof ApiException) {
    const status = readStatus(error.body);
    const translated = translateApiStatus(error.code, status, error.headers ?? {}, operation);
    translated.cause = { upstreamStatus: error.code, upstreamReason: status.reason };
    return translated;
  }
  return unavailability(error) ?? new UpstreamError('the request to the Kubernetes API server failed unexpectedly');
}

/**
 * A list call's failure as a ContinueTokenError when the API server refused the token it was given (400:
 * one it cannot decode; 410 Expired: one older than it keeps them); otherwise the failure as it is.
 */
export function continueTokenFailure(error: unknown, continueToken: string | undefined): unknown {
  const upstream = (error as { cause?: { upstreamStatus?: number } }).cause?.upstreamStatus;
  if (continueToken !== undefined && (upstream === 400 || upstream === 410)) return new ContinueTokenError(upstream === 410);
  return error;
}

/** An UnavailableError when `error` means the API server did not answer (in time), else undefined. */
export function unavailability(error: unknown): UnavailableError | undefined {
  if (error instanceof DeadlineExceededError) {
    return new UnavailableError(`the Kubernetes API server did not answer within ${error.timeoutMs} ms`);
  }
  const networkFailure = describeNetworkFailure(error);
  return networkFailure ? new UnavailableError(`could not reach the Kubernetes API server: ${networkFailure}`) : undefined;
}

function translateApiStatus(code: number, status: ApiStatus, headers: Record<string, string>, op: ApiCall): AppError {
  const { verb, namespace, name = '' } = op;
  switch (code) {
    case 401:
      return new UpstreamError(
        "the Kubernetes API server rejected regcred's credentials (401 Unauthorized); check its kubeconfig or service-account token",
      );
    case 403:
      if (status.details?.causes?.some((c) => c.reason === 'NamespaceTerminating')) {
        return new NamespaceTerminatingError(namespace);
      }
      return new ClusterPermissionError(missingPermissionMessage(op));
    case 404:
      if (op.resource === 'tokenreviews' || op.resource === 'subjectaccessreviews') break;
      if (verb === 'create' || op.resource === 'namespaces') return new NamespaceNotFoundError(namespace);
      if (op.resource === 'serviceaccounts') return new ServiceAccountNotFoundError(namespace, name);
      if (op.resource === 'pods' && name) return new PodNotFoundError(namespace, name);
      return new SecretNotFoundError(namespace, name);
    case 409:
      if (status.reason === 'AlreadyExists') return new AlreadyExistsError(namespace, name);
      if (verb === 'update' || verb === 'patch' || verb === 'delete') return new StaleWriteError(namespace, name, singular(op));
      break;
    case 422:
      return invalidObjectError(op, status.details?.causes ?? []);
    case 429:
      return new UnavailableError('the Kubernetes API server is throttling requests', retryAfterSeconds(headers));
    case 503:
    case 504:
      return new UnavailableError(`the Kubernetes API server is unavailable (HTTP ${code})`, retryAfterSeconds(headers));
  }
  return new UpstreamError(`the Kubernetes API server refused to ${verb} ${op.resource} (HTTP ${code})`);
}

function missingPermissionMessage({ verb, resource, namespace }: ApiCall): string {
  if (resource === 'tokenreviews' || resource === 'subjectaccessreviews') {
    const group = resource === 'tokenreviews' ? 'authentication.k8s.io' : 'authorization.k8s.io';
    return `regcred's own identity lacks the RBAC permission to create ${resource}; grant it a ClusterRole with verb "create" on "${resource}" in API group "${group}"`;
  }
  if (resource === 'namespaces') {
    return (
      `regcred's own identity lacks the RBAC permission to ${verb} namespaces (cluster-scoped); ` +
      `grant it a ClusterRole with verb "${verb}" on resource "namespaces" in API group ""`
    );
  }
  return (
    `regcred's own identity lacks the RBAC permission to ${verb} ${resource} in namespace "${namespace}"; ` +
    `grant it a Role there with verb "${verb}" on resource "${resource}" in API group ""`
  );
}

function singular({ resource }: ApiCall): 'secret' | 'serviceaccount' {
  return resource === 'serviceaccounts' ? 'serviceaccount' : 'secret';
}

/** A 422: the fields the API server named, for any object regcred writes (cluster-scoped ones have no namespace). */
export function invalidObjectError(op: ApiCall, causes: StatusCause[]): ValidationError {
  const { namespace, name = '' } = op;
  const errors: FieldError[] = causes.map((cause) => ({
    path: cause.field ?? '',
    code: cause.reason ?? 'FieldValueInvalid',
    message: cause.message ?? 'invalid value',
  }));
  const fields = [...new Set(errors.map((e) => e.path).filter(Boolean))];
  const which = fields.length > 0 ? `: ${fields.join(', ')}` : '';
  const kind = op.resource === 'secrets' || op.resource === 'serviceaccounts' ? singular(op) : op.resource;
  const where = namespace ? ` in namespace "${namespace}"` : '';
  return new ValidationError(`the Kubernetes API server refused ${kind} "${name}"${where} as invalid${which}`, errors);
}

/** client-node 1.x hands the error body over as the raw JSON text (or undefined for 401). */
export function readStatus(body: unknown): ApiStatus {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return {};
    }
  }
  if (typeof parsed !== 'object' || parsed === null) return {};
  const { reason, details } = parsed as ApiStatus;
  return {
    reason: typeof reason === 'string' ? reason : undefined,
    details: typeof details === 'object' && details !== null ? details : undefined,
  };
}

function retryAfterSeconds(headers: Record<string, string>): number | undefined {
  const value = headers['retry-after'];
  return value && /^\d{1,4}$/.test(value) ? Math.max(1, Number(value)) : undefined;
}

const NETWORK_FAILURES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  ETIMEDOUT: 'connection timed out',
  ENOTFOUND: 'host name not found (DNS)',
  EAI_AGAIN: 'host name lookup failed (DNS)',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

/** A short, safe description of a connection-level failure, or undefined when it is not one. */
function describeNetworkFailure(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { name, code } = error as { name?: unknown; code?: unknown };
  if (name === 'AbortError') return 'request aborted';
  if (typeof code !== 'string' || !/^[A-Z0-9_]+$/.test(code)) return undefined;
  if (NETWORK_FAILURES[code]) return NETWORK_FAILURES[code];
  if (/CERT|TLS|SSL|SIGNATURE|ISSUER/.test(code)) return `TLS handshake failed (${code})`;
  // A FetchError from client-node's fetch, or a system error (it names its syscall) from regcred's own JSON requests.
  return name === 'FetchError' || 'syscall' in error ? `network error (${code})` : undefined;
}
