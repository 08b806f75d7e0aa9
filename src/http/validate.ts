import type { z } from 'zod';
import { ValidationError, type FieldError } from '../errors.js';

type Where = 'body' | 'query' | 'path';

/** Parses input with its schema; every failure becomes one errors[] entry naming the field and the rule. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, where: Where): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const errors = result.error.issues.flatMap((issue) => toFieldErrors(issue, input));
  throw new ValidationError(`the request ${where === 'path' ? 'path' : where} is invalid: ${summarise(errors)}`, errors);
}

function toFieldErrors(issue: z.core.$ZodIssue, input: unknown): FieldError[] {
  const path = issue.path.map(String).join('/');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ path: joinPath(path, key), code: 'unrecognized_key', message: 'is not a known field' }));
  }
  if (issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined) {
    return [{ path, code: 'required', message: 'is required' }];
  }
  const rule = issue.code === 'custom' ? String((issue.params as { rule?: string } | undefined)?.rule ?? 'custom') : issue.code;
  return [{ path, code: rule, message: issue.message }];
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function joinPath(parent: string, key: string): string {
  return parent ? `${parent}/${key}` : key;
}

function summarise(errors: FieldError[]): string {
  const first = errors.slice(0, 3).map((e) => `${e.path || '(root)'} ${e.message}`);
  return first.join('; ') + (errors.length > 3 ? `; and ${errors.length - 3} more` : '');
}
