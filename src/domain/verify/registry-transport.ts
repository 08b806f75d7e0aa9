/** One request regcred makes to a registry or token service while verifying. */
export interface RegistryRequest {
  url: string;
  method: 'GET' | 'HEAD';
  headers?: Record<string, string>;
}

/** What came back: status, headers (lower-case names) and the start of the body. */
export interface RegistryResponse {
  status: number;
  headers: Record<string, string | undefined>;
  body: string;
}

export type TransportFailure = 'unreachable' | 'timeout' | 'tls' | 'guard' | 'protocol';

/** The request never got an HTTP answer; `detail` is ours, safe to show (no credentials, no raw bodies). */
export class RegistryTransportError extends Error {
  constructor(
    readonly failure: TransportFailure,
    detail: string,
  ) {
    super(detail);
  }
}

/**
 * The port verification speaks through. Adapters resolve and guard the target address, verify TLS,
 * bound time and body size, and never follow redirects (the caller decides).
 * @throws RegistryTransportError
 */
export interface RegistryTransport {
  send(request: RegistryRequest, signal?: AbortSignal): Promise<RegistryResponse>;
}
