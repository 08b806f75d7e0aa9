import { ValidationError } from '../../errors.js';
import type { SecretObject } from '../kubernetes/secret.js';

/**
 * Secret bytes one request may load from the cluster. A Secret holds up to 1 MiB of data, and
 * kubectl's last-applied-configuration annotation can hold a copy: without a budget, one request
 * naming many large secrets holds hundreds of MiB (and `start:prod` has a 128 MiB heap).
 */
export const READ_BUDGET_BYTES = 4 * 1024 * 1024;

/** What a Secret weighs against the budget: its data (base64, as held) and annotation values. */
export function secretBytes(secret: SecretObject): number {
  let bytes = 0;
  for (const value of Object.values(secret.data)) bytes += value.length;
  for (const value of Object.values(secret.annotations)) bytes += value.length;
  return bytes;
}

/** The refusal when what a request names weighs more than READ_BUDGET_BYTES; `field` is what named it. */
export function overBudgetError(field: string): ValidationError {
  const message = `the secrets named hold more than ${READ_BUDGET_BYTES} bytes (4 MiB) of data and annotations; one request reads at most that much, so name fewer or smaller secrets`;
  return new ValidationError(`the request names too much secret data: ${message}`, [{ path: field, code: 'byte_budget', message }]);
}
