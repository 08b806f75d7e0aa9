import { describe, it } from 'vitest';

// THE MERGE COMPLETES THIS FILE. The pull check's verdicts through HTTP, once check-workload.ts,
// scan-namespace.ts and the registry ManifestProbe replace pullcheck-stand-in.ts: each `it.todo` becomes a
// test through buildTestApp({ cluster, probe: scriptedProbe(...) }) (test/support/fake-manifest-probe.ts),
// asserting `verdict`, `fix`, `tried` and `anonymous` per container. pullcheck.test.ts asserts only what the
// stand-in and the real logic share (routes, bodies, access, paging, 4xx).

describe('POST /v1/namespaces/{namespace}/pullcheck: the verdicts, in their order of precedence', () => {
  it.todo('invalid-image: an image reference the kubelet refuses (InvalidImageName); no registry is called');
  it.todo('no-serviceaccount: the ServiceAccount named (or default) does not exist; the fix names it');
  it.todo('secret-missing: a pull secret listed by the Pod or its ServiceAccount does not exist');
  it.todo('not-linked: no secret listed, but a pull secret in the namespace has a credential for the registry');
  it.todo('no-credential: the secrets listed hold nothing for the registry and it refuses anonymous pulls');
  it.todo('registry-unreachable: the probe answers unreachable (egress guard, DNS, timeout)');
  it.todo('unauthorized: the registry refuses every credential tried (401), in the kubelet order');
  it.todo('denied: the credential is known but may not pull the repository (403 / DENIED)');
  it.todo('not-found: MANIFEST_UNKNOWN or NAME_UNKNOWN for the tag or digest');
  it.todo('denied-or-not-found: a registry that answers 404 for both (a bodiless HEAD)');
  it.todo('pulls: the first credential that pulls is the one shown; later ones are not tried');
  it.todo('pulls-anonymously: no credential matched and the anonymous pull works');
  it.todo('willPull is false as soon as one container (init included) will not pull');
  it.todo('a secret of the wrong type (Opaque) is shown as wrong-type and its content never appears');
});

describe('GET /v1/namespaces/{namespace}/pullcheck: the scan', () => {
  it.todo('a Pod in ImagePullBackOff gets the verdict that explains it (waiting and verdict agree)');
  it.todo('Pods sharing a ServiceAccount and secrets read each once (the per-request ports cache)');
});
