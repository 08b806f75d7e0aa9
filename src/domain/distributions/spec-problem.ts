import { namespaceSchema, secretNameSchema } from '../kubernetes/kubernetes-names.js';
import { LabelSelectorError, parseLabelSelector } from '../kubernetes/label-selector.js';
import { labelSelectorSchema, MAX_SERVICE_ACCOUNTS } from '../pull-secrets/write-schemas.js';
import { CLOUD_PROVIDERS } from '../credentials/cloud-source.js';
import { CLOUD_FIELDS, cloudFieldsOf } from './cloud-spec-fields.js';
import { sourceSecretName, type DistributionSpec } from './distribution.js';
import {
  distributionNameSchema,
  distributionNamespacesField,
  distributionServiceAccountsField,
  excludeNamespacesField,
  expiresAtField,
  MAX_DISTRIBUTION_NAMESPACES,
} from './distribution-schemas.js';
import { eachText, list, record, sourceOf, text, zodRule, type Field, type Rule } from './spec-rules.js';

// A stored PullSecretDistribution checked again with the API's rules (the zod fields of
// distribution-schemas.ts): the CRD carries the same limits, but an object stored under an older CRD,
// or one the schema cannot express ("*" alone, a selector that parses), reaches the controller too.

/** A problem goes to status.message, Events and logs: at most this long, and a quoted value at most 40 characters. */
export const MAX_PROBLEM_CHARS = 200;
const MAX_SELECTOR_CHARS = 1024;
// RFC 3339 with nanoseconds and an offset is 35 characters; the CRD allows 64.
const MAX_EXPIRES_AT_CHARS = 64;

// The selector's own problem, without the selector that LabelSelectorError's message repeats in full.
const selectorRule: Rule = (value) => {
  if (typeof value !== 'string' || value.length === 0) return zodRule(labelSelectorSchema)(value);
  try {
    parseLabelSelector(value);
    return undefined;
  } catch (error) {
    return error instanceof LabelSelectorError ? error.problem : 'does not parse';
  }
};

const FIELDS: readonly Field[] = [
  {
    path: 'spec.source.secretName',
    read: (spec) => sourceOf(spec).secretName,
    shape: text(253),
    rule: zodRule(secretNameSchema),
  },
  {
    path: 'spec.source.namespace',
    read: (spec) => sourceOf(spec).namespace,
    shape: text(63),
    rule: zodRule(namespaceSchema),
  },
  { path: 'spec.secretName', read: (spec) => spec.secretName, shape: text(253), rule: zodRule(secretNameSchema) },
  {
    path: 'spec.namespaces',
    read: (spec) => spec.namespaces,
    shape: list(MAX_DISTRIBUTION_NAMESPACES, 'namespaces'),
    items: eachText(63),
    // The API asks for at least one; an empty list stored beside a selector names nothing, and harms nothing.
    rule: (value) => ((value as unknown[]).length === 0 ? undefined : zodRule(distributionNamespacesField)(value)),
  },
  {
    path: 'spec.namespaceSelector',
    read: (spec) => spec.namespaceSelector,
    shape: text(MAX_SELECTOR_CHARS),
    rule: selectorRule,
  },
  {
    path: 'spec.excludeNamespaces',
    read: (spec) => spec.excludeNamespaces,
    shape: list(MAX_DISTRIBUTION_NAMESPACES, 'namespaces'),
    items: eachText(63),
    rule: zodRule(excludeNamespacesField),
  },
  {
    path: 'spec.serviceAccounts',
    read: (spec) => spec.serviceAccounts,
    shape: list(MAX_SERVICE_ACCOUNTS, 'ServiceAccounts'),
    items: eachText(253),
    rule: zodRule(distributionServiceAccountsField),
  },
  { path: 'spec.expiresAt', read: (spec) => spec.expiresAt, shape: text(MAX_EXPIRES_AT_CHARS), rule: zodRule(expiresAtField) },
  {
    path: 'spec.verify',
    read: (spec) => spec.verify,
    shape: text(16),
    rule: (value) => (value === 'required' ? undefined : 'must be "required" when given'),
  },
  ...CLOUD_FIELDS,
];

const at = (path: string, problem: string) => clip(`${path}${problem.startsWith('[') || problem.startsWith('.') ? '' : ': '}${problem}`);

/** Quotes of the stored value (a duplicate, a selector's key) shortened, then the whole bounded. */
function clip(message: string): string {
  const quoted = message.replace(/"((?:[^"\\]|\\.){40})(?:[^"\\]|\\.)+"/g, '"$1…"');
  return quoted.length <= MAX_PROBLEM_CHARS ? quoted : `${quoted.slice(0, MAX_PROBLEM_CHARS - 1)}…`;
}

/**
 * Why a stored PullSecretDistribution spec may not be acted on, naming the field and the rule (at most
 * MAX_PROBLEM_CHARS characters, quoting at most a bounded piece of the value), or undefined when it may.
 * The API's limits and syntax (distribution-schemas.ts), and the controller's own rules: a source, and
 * `namespaces` or `namespaceSelector`. Sizes are checked before any item is, so a hostile spec of
 * 20,000 × 20,000 entries is answered at once.
 */
export function specProblem(spec: unknown): string | undefined {
  if (!record(spec)) return 'spec: must be an object';
  const source = spec.source;
  if (!record(source) || source.secretName === undefined || source.secretName === '') return 'spec.source.secretName is required';
  const clouds = CLOUD_PROVIDERS.filter((provider) => source[provider] !== undefined);
  if (clouds.length > 1) return `spec.source: give at most one of ${CLOUD_PROVIDERS.join(', ')} (found ${clouds.join(' and ')})`;
  const given = FIELDS.map((field) => ({ field, value: field.read(spec) })).filter(({ value }) => value !== undefined);
  for (const step of ['shape', 'items', 'rule'] as const) {
    for (const { field, value } of given) {
      const problem = field[step]?.(value);
      if (problem) return at(field.path, problem);
    }
  }
  const namespaces = spec.namespaces as unknown[] | undefined;
  if (!namespaces?.length && spec.namespaceSelector === undefined) return 'give spec.namespaces or spec.namespaceSelector';
  return undefined;
}

/**
 * Why a distribution with a cloud source may not be acted on although its spec is valid, or
 * undefined: regcred writes the minted credential into `distribution-<name>` in its own namespace
 * itself, so the spec may not point it at any other Secret there (a kubectl author could otherwise
 * have regcred overwrite one); and `expiresAt`, `verify` belong to stored credentials, not to a
 * token minted and checked at each refresh.
 */
export function cloudSourceNameProblem(name: string, spec: DistributionSpec): string | undefined {
  const provider = CLOUD_PROVIDERS.find((p) => spec.source?.[p] !== undefined);
  if (provider === undefined) return undefined;
  const expected = sourceSecretName(name);
  if (spec.source.secretName !== expected)
    return clip(
      `spec.source.secretName must be "${expected}" with spec.source.${provider}: regcred writes the minted credential there and into no other Secret`,
    );
  if (spec.expiresAt !== undefined)
    return `spec.expiresAt must not be given with spec.source.${provider}: the minted token's own expiry is used`;
  if (spec.verify !== undefined)
    return `spec.verify must not be given with spec.source.${provider}: the token comes from the registry's own cloud, and a failed mint shows in status.conditions`;
  return undefined;
}

/** Why a distribution's name cannot be used (it labels every copy: a DNS-1123 label ≤ 63), or undefined. */
export function distributionNameProblem(name: unknown): string | undefined {
  const problem = text(253)(name) ?? zodRule(distributionNameSchema)(name);
  return problem ? at('metadata.name', problem) : undefined;
}

/**
 * The spec to store in the one write that removes the finalizer of a distribution being deleted
 * whose stored spec breaks the CRD's schema: Kubernetes 1.20 validates every update of the object in
 * full (no ratcheting), so a write of the finalizers alone is refused with 422 and the deletion would
 * never finish. Keeps every field that is valid on its own and drops the others; an invalid
 * `source.secretName` (required by the schema) becomes `invalid-source`. A spec without problems
 * comes back as it is.
 */
export function specWithinSchema(spec: DistributionSpec): DistributionSpec {
  if (!specProblem(spec)) return spec;
  const raw: Record<string, unknown> = record(spec) ? spec : {};
  const valid = (field: Field) => {
    const value = field.read(raw);
    return value !== undefined && ![field.shape, field.items, field.rule].some((rule) => rule?.(value));
  };
  const kept = Object.fromEntries(
    FIELDS.filter((f) => !f.path.startsWith('spec.source.') && valid(f)).map((f) => [f.path.slice('spec.'.length), f.read(raw)]),
  );
  const [secretName, namespace] = FIELDS.slice(0, 2);
  // A cloud object is kept whole when it and every field of it are valid, else dropped whole.
  const clouds = CLOUD_PROVIDERS.filter((provider) => {
    const [own, ...fields] = cloudFieldsOf(provider);
    return fields.every((f) => f.read(raw) === undefined || valid(f)) && valid(own!);
  });

  return {
    ...kept,
    source: {
      secretName: valid(secretName!) ? spec.source.secretName : 'invalid-source',
      ...(valid(namespace!) ? { namespace: spec.source.namespace } : {}),
      ...Object.fromEntries(clouds.map((provider) => [provider, spec.source[provider]])),
    },
    serviceAccounts: (kept.serviceAccounts as string[] | undefined) ?? [],
  } as DistributionSpec;
}
