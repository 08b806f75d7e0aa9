/** RFC 3339 at second precision: how the API server writes metadata timestamps, and so both adapters. */
export function toKubernetesTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
