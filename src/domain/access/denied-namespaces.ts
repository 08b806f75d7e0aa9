/**
 * The namespaces no caller reaches through regcred and its controller never writes: the configured
 * deny list and regcred's own namespace. The own namespace holds the distributions' sources (and
 * tokens, TLS material): a caller who could write `distribution-<name>` there would reach every
 * namespace that distribution targets, whatever it was granted itself.
 */
export function deniedNamespaces({
  denyNamespaces,
  namespace,
}: {
  denyNamespaces: readonly string[];
  namespace: string;
}): readonly string[] {
  return Object.freeze(denyNamespaces.includes(namespace) ? [...denyNamespaces] : [...denyNamespaces, namespace]);
}
