import type { z } from 'zod';

// The pieces spec-problem.ts checks a stored spec with: each field's shape (type and size, constant
// time), its items (one bounded pass) and the API's own rule, run in that order across all fields.

export type Rule = (value: unknown) => string | undefined;

export interface Field {
  path: string;
  read(spec: Record<string, unknown>): unknown;
  /** The type and the size: constant time, before any field's items are looked at. */
  shape: Rule;
  /** Each item's type and length: one pass over at most the allowed number of items. */
  items?: Rule;
  /** The API's own rule, run only once every field is within bounds. */
  rule: Rule;
}

export const record = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
export const sourceOf = (spec: Record<string, unknown>) => (record(spec.source) ? spec.source : {});

export const text =
  (max: number): Rule =>
  (value) =>
    typeof value !== 'string' ? 'must be a string' : value.length > max ? `must be at most ${max} characters` : undefined;

export const list =
  (max: number, what: string): Rule =>
  (value) =>
    !Array.isArray(value) ? `must be a list of ${what}` : value.length > max ? `must list at most ${max} ${what}` : undefined;

export const eachText =
  (max: number): Rule =>
  (value) => {
    const items = value as unknown[];
    for (let i = 0; i < items.length; i++) {
      const problem = text(max)(items[i]);
      if (problem) return `[${i}]: ${problem}`;
    }
    return undefined;
  };

/** The first issue of a zod schema, its path after the field's, its message as the API's 422 would say it. */
export const zodRule =
  (schema: z.ZodType): Rule =>
  (value) => {
    const issue = schema.safeParse(value).error?.issues[0];
    if (!issue) return undefined;
    const at = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
    return `${at}${at ? ': ' : ''}${issue.message}`;
  };

export const flag: Rule = (value) => (typeof value === 'boolean' ? undefined : 'must be true or false');
export const object: Rule = (value) => (record(value) ? undefined : 'must be an object');
