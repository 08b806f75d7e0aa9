import type { IncomingMessage, ServerResponse } from 'node:http';

/** A request body as text (the fakes' bodies are small forms and JSON). */
export async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function formOf(text: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(text));
}

export function answer(res: ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': contentType, ...headers }).end(body);
}

/** An injected failure: the next `times` calls answer `status` with `code`, and `message` in the body. */
export interface InjectedFailure {
  times: number;
  status: number;
  code: string;
  message: string;
}

/** Failures queued per endpoint; `take` answers the one due, if any. A `hang` failure never answers. */
export class FailureQueue<Endpoint extends string> {
  private readonly due = new Map<Endpoint, (InjectedFailure | 'hang')[]>();

  failNext(endpoint: Endpoint, failure: InjectedFailure): void {
    this.push(endpoint, failure, failure.times);
  }

  hangNext(endpoint: Endpoint, times = 1): void {
    this.push(endpoint, 'hang', times);
  }

  /** Drops what is still queued for `endpoint`: its next calls are answered normally. */
  recover(endpoint: Endpoint): void {
    this.due.delete(endpoint);
  }

  take(endpoint: Endpoint): InjectedFailure | 'hang' | undefined {
    return this.due.get(endpoint)?.shift();
  }

  private push(endpoint: Endpoint, failure: InjectedFailure | 'hang', times: number): void {
    const list = this.due.get(endpoint) ?? [];
    for (let i = 0; i < times; i++) list.push(failure);
    this.due.set(endpoint, list);
  }
}

/** An unsigned JWT-shaped token (header.payload.signature): enough for clients that only read claims. */
export function unsignedJwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.${Buffer.from('fake-signature').toString('base64url')}`;
}
