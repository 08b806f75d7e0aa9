import type { Request, Response } from 'express';
import { stringify } from 'yaml';
import type { SecretManifest } from '../domain/view-schemas.js';
import { NotAcceptableError } from '../errors.js';

/**
 * The manifest goes out as-is so it can be piped to `kubectl apply -f -`, as JSON or YAML as the
 * caller accepts; warnings travel in Warning headers, as the Kubernetes API sends them.
 * @throws NotAcceptableError when the caller accepts neither
 */
/** The format the caller accepts for a manifest; checked before any work (registry checks included) is done. @throws NotAcceptableError */
export function manifestFormat(req: Request): 'application/json' | 'application/yaml' {
  const accept = req.headers.accept;
  // Most callers send no Accept or */*: answer JSON without running content negotiation.
  const format =
    !accept || accept === '*/*' || accept === 'application/json'
      ? 'application/json'
      : req.accepts(['application/json', 'application/yaml']);
  if (!format) throw new NotAcceptableError('this endpoint answers application/json or application/yaml');
  return format as 'application/json' | 'application/yaml';
}

const JSON_UTF8 = 'application/json; charset=utf-8';

export function sendManifest(
  res: Response,
  format: ReturnType<typeof manifestFormat>,
  manifest: SecretManifest,
  warnings: readonly string[],
): void {
  for (const warning of warnings) res.append('Warning', `299 - "${headerSafe(warning)}"`);
  if (format === 'application/yaml') {
    res.type('application/yaml').send(stringify(manifest));
  } else {
    // What res.json sends (no ETag: it is off), without looking up and parsing the type it just set.
    // As bytes: Node then writes the head and the body in one writev, where a string body is first
    // joined to the head and the whole re-encoded (it measured about twice the cost of the write).
    const body = Buffer.from(JSON.stringify(manifest), 'utf8');
    res.setHeader('Content-Type', JSON_UTF8);
    res.setHeader('Content-Length', body.length);
    res.end(body);
  }
}

function headerSafe(text: string): string {
  return text.replace(/[^\x20-\x7e]|"|\\/g, '?');
}
