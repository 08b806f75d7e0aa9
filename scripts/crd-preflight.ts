import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { CRD_FILE, listStoredDistributions, preflightFindings } from './crd-schema.js';

// `npx tsx scripts/crd-preflight.ts [crd.yaml]`, before applying a new PullSecretDistribution CRD
// (docs/operations.md "Upgrading the CRD"): lists the stored objects the new schema would block —
// Kubernetes 1.20 validates every update in full, so such an object could no longer have its status
// written or its finalizer removed — and those regcred's controller will refuse. Exits 1 while any
// object blocks. Uses the current kubeconfig (KUBECONFIG, or ~/.kube/config); it only lists.

const crdFile = process.argv[2] ?? fileURLToPath(CRD_FILE);
const kubeConfig = new KubeConfig();
kubeConfig.loadFromDefault();
const objects = await listStoredDistributions(kubeConfig);
if (!objects) {
  console.log('no PullSecretDistribution CRD is installed: nothing to check');
  process.exit(0);
}
const findings = preflightFindings(objects, crdFile);
console.log(`${objects.length} PullSecretDistribution(s) checked against ${crdFile}`);
for (const { name, verdict, problems } of findings) {
  for (const problem of problems) console.log(`${verdict === 'blocks' ? 'BLOCKS ' : 'REFUSED'}  ${name}  ${problem}`);
}
const blocking = findings.filter((f) => f.verdict === 'blocks').length;
if (blocking) {
  console.log(
    `${blocking} object(s) would block: fix (kubectl edit) or delete them under the CRD installed now, then run this again before applying the new one`,
  );
  process.exit(1);
}
console.log(
  findings.length ? 'nothing blocks; the controller will refuse the objects marked REFUSED (status.message says why)' : 'nothing blocks',
);
