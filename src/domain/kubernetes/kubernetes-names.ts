import { z } from 'zod';

// Kubernetes' own validation rules (apimachinery/pkg/util/validation), so a request fails here with
// a clear message instead of at the API server.
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
/** The API server's limit on the summed size of all annotation keys and values. */
export const MAX_ANNOTATIONS_BYTES = 256 * 1024;

export const namespaceSchema = z
  .string()
  .max(63, 'must be at most 63 characters (a DNS-1123 label)')
  .regex(DNS1123_LABEL, 'must be a DNS-1123 label: lower-case letters, digits and "-", starting and ending with a letter or digit')
  .meta({ description: 'A Kubernetes namespace name (DNS-1123 label).', example: 'default' });

export const secretNameSchema = z
  .string()
  .max(253, 'must be at most 253 characters (a DNS-1123 subdomain)')
  .regex(
    DNS1123_SUBDOMAIN,
    'must be a DNS-1123 subdomain: lower-case letters, digits, "-" and ".", starting and ending with a letter or digit',
  )
  .meta({ description: 'A Kubernetes Secret name (DNS-1123 subdomain).', example: 'regcred' });

/** Why `key` is not a valid label or annotation key, or undefined when it is valid. */
export function qualifiedNameProblem(key: string): string | undefined {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))) {
    return 'key prefix must be a DNS-1123 subdomain of at most 253 characters';
  }
  if (name.length === 0 || name.length > 63) return 'key name must be 1 to 63 characters';
  if (!QUALIFIED_NAME_PART.test(name)) {
    return 'key name must consist of letters, digits, "-", "_" or ".", starting and ending with a letter or digit';
  }
  return undefined;
}

function checkKeys(map: Record<string, string>, ctx: z.RefinementCtx): void {
  for (const key of Object.keys(map)) {
    const problem = qualifiedNameProblem(key);
    if (problem) ctx.addIssue({ code: 'custom', path: [key], message: problem, params: { rule: 'qualified_name' } });
  }
}

export const labelsSchema = z
  .record(
    z.string(),
    z
      .string()
      .max(63, 'label value must be at most 63 characters')
      .regex(LABEL_VALUE, 'label value must be empty or letters, digits, "-", "_" or ".", starting and ending with a letter or digit'),
  )
  .superRefine(checkKeys)
  .meta({ description: 'Labels to set on the Secret (Kubernetes label rules).', example: { team: 'payments' } });

export const annotationsSchema = z
  .record(z.string(), z.string())
  .superRefine(checkKeys)
  .superRefine((map, ctx) => {
    const size = Object.entries(map).reduce((sum, [k, v]) => sum + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
    if (size > MAX_ANNOTATIONS_BYTES) {
      ctx.addIssue({
        code: 'custom',
        message: `annotations must total at most ${MAX_ANNOTATIONS_BYTES} bytes`,
        params: { rule: 'too_big' },
      });
    }
  })
  .meta({ description: 'Annotations to set on the Secret (Kubernetes annotation rules).' });
