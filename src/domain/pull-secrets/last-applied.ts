export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * The annotations without kubectl's last-applied-configuration, and a warning when it was there.
 * kubectl apply keeps a copy of the whole Secret, credentials included, in that annotation: left on
 * a Secret regcred rewrites, a rotated password would live on in it.
 */
export function withoutLastApplied(annotations: Record<string, string>): { annotations: Record<string, string>; warnings: string[] } {
  if (!Object.hasOwn(annotations, LAST_APPLIED_ANNOTATION)) return { annotations, warnings: [] };
  const { [LAST_APPLIED_ANNOTATION]: _removed, ...kept } = annotations;
  return {
    annotations: kept,
    warnings: [
      `removed the ${LAST_APPLIED_ANNOTATION} annotation: it held a copy of earlier credentials (from kubectl apply); a later kubectl apply of this Secret will warn that the annotation is missing`,
    ],
  };
}
