import { gunzipSync } from 'node:zlib';
import { ABSENT, contractViolation, documentIn, requestViolation, UNREADABLE } from '../../support/openapi-contract.js';
import type { FuzzRequest } from './requests.js';
import type { Outcome } from './send.js';

/** A kind of failure: what broke, on which operation, with which status or error. */
export interface Finding {
  kind: '5xx' | 'not-problem+json' | 'dropped-connection' | 'client-error' | 'canary-in-answer' | 'canary-in-log' | 'contract';
  operation: string;
  what: string;
  count: number;
  /** The first request that showed it. */
  example: string;
}

const EXAMPLE_CHARS = 600;

/** Failures grouped by kind, operation and status/error, with a count and the first example of each. */
export class Findings {
  private readonly groups = new Map<string, Finding>();

  add(kind: Finding['kind'], operation: string, what: string, example: () => string): void {
    const key = `${kind}\u0000${operation}\u0000${what}`;
    const found = this.groups.get(key);
    if (found) found.count++;
    else this.groups.set(key, { kind, operation, what, count: 1, example: example().slice(0, EXAMPLE_CHARS) });
  }

  list(): Finding[] {
    return [...this.groups.values()].sort((a, b) => a.kind.localeCompare(b.kind) || b.count - a.count);
  }

  /** One line per group, then its example indented: what goes to /tmp/fuzz-findings.txt. */
  format(title: string): string {
    const lines = [`== ${title}: ${this.groups.size} kind(s) of failure`];
    for (const f of this.list())
      lines.push(`[${f.kind}] ${f.operation} | ${f.what} | x${f.count}`, `    e.g. ${f.example.replace(/\n/g, '\n    ')}`);
    return lines.join('\n');
  }
}

export function describeRequest(request: FuzzRequest): string {
  const body = request.body
    ? request.body
        .subarray(0, 200)
        .toString('utf8')
        .replace(/[^\x20-\x7e]/g, '.')
    : '';
  const headers = Object.entries(request.headers)
    .map(([k, v]) => `${k}: ${v.slice(0, 80)}`)
    .join('; ');
  return `${request.method} ${request.path.slice(0, 200)} [${request.shape}${request.chunked ? ', chunked' : ''}, ${request.body?.length ?? 0} B] {${headers}} ${body}`;
}

/** Checks one answer against the properties: no 5xx, every 4xx problem+json, no canary outside render, no dropped connection. */
export function judge(
  findings: Findings,
  request: FuzzRequest,
  outcome: Outcome,
  canaryForms: string[],
  errorFor: (requestId: string) => string | undefined,
): void {
  const example = () => describeRequest(request);
  if (outcome.kind === 'error') {
    const kind = outcome.reusedSocket ? 'dropped-connection' : 'client-error';
    // A reused connection that fails was broken by the request it answered before.
    const operation = outcome.reusedSocket && outcome.previous ? `after ${outcome.previous}` : request.label;
    findings.add(
      kind,
      operation,
      outcome.code,
      () => `${example()}${outcome.previous ? ` (connection last answered ${outcome.previous})` : ''}`,
    );
    return;
  }
  const { status, headers, text } = outcome;
  if (status >= 500) {
    const requestId = String(headers['x-request-id'] ?? '');
    findings.add('5xx', request.label, `${status} ${errorFor(requestId) ?? ''}`.trim(), () => `${example()} => ${text.slice(0, 200)}`);
  }
  if (status >= 400 && status < 500 && !String(headers['content-type'] ?? '').startsWith('application/problem+json')) {
    findings.add(
      'not-problem+json',
      request.label,
      `${status} ${headers['content-type'] ?? '(no content type)'}`,
      () => `${example()} => ${text.slice(0, 200)}`,
    );
  }
  const violation = request.method === 'HEAD' ? undefined : breaksContract(request, status, String(headers['content-type'] ?? ''), text);
  if (violation) findings.add('contract', request.label, violation.slice(0, 300), () => `${example()} => ${status} ${text.slice(0, 200)}`);
  const accepted = request.method === 'HEAD' ? undefined : acceptedOffContract(request, status);
  if (accepted) findings.add('contract', request.label, accepted.slice(0, 300), () => `${example()} => ${status} ${text.slice(0, 200)}`);
  const rendered = request.path.startsWith('/v1/render') && status < 300;
  const headerText = JSON.stringify(headers);
  for (const form of canaryForms) {
    if ((!rendered && text.includes(form)) || headerText.includes(form)) {
      findings.add(
        'canary-in-answer',
        request.label,
        String(status),
        () => `${example()} => ${text.slice(Math.max(0, text.indexOf(form) - 200), text.indexOf(form) + 50)}`,
      );
      break;
    }
  }
}

// A method the contract does not list is judged like any other 4xx (problem+json), not against the contract.
const UNLISTED_METHOD = /^openapi\.yaml documents no (get|put|post|patch|delete|head|options) /;

function breaksContract(request: FuzzRequest, status: number, contentType: string, text: string): string | undefined {
  try {
    const violation = contractViolation({ method: request.method, path: request.path, status, contentType, text });
    return violation && !UNLISTED_METHOD.test(violation) ? violation : undefined;
  } catch (error) {
    return `the answer cannot be read as its media type: ${(error as Error).message}`;
  }
}

/** Why the app accepted a request openapi.yaml forbids, or undefined (requestViolation judges only accepted ones). */
function acceptedOffContract(request: FuzzRequest, status: number): string | undefined {
  const contentType = request.headers['content-type'] ?? '';
  return requestViolation({ method: request.method, url: request.path, status, contentType, body: documentOf(request, contentType) });
}

/** What the request's body held, as the app reads it: inflated, a multipart upload's `config` part, then by media type. */
function documentOf(request: FuzzRequest, contentType: string): unknown {
  if (!request.body) return ABSENT;
  try {
    const bytes = request.headers['content-encoding'] === 'gzip' ? gunzipSync(request.body) : request.body;
    if (!contentType.toLowerCase().startsWith('multipart/form-data')) return documentIn(bytes, contentType);
    // The app took the upload, so it is well formed: the file is what follows the part's headers, up to the next boundary.
    const boundary = /boundary="?([^";]+)/i.exec(contentType)?.[1];
    const text = bytes.toString('utf8');
    const start = text.indexOf('\r\n\r\n') + 4;
    const end = text.indexOf(`\r\n--${boundary}`, start);
    return documentIn(Buffer.from(text.slice(start, end < 0 ? undefined : end), 'utf8'), 'application/json');
  } catch {
    return UNREADABLE;
  }
}
