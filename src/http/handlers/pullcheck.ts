import type { Response } from 'express';
import type { ManifestProbe } from '../../domain/pullcheck/pullcheck-model.js';
import { readPullCheckRequest } from '../../domain/pullcheck/pullcheck-request.js';
import { checkPullability, scanNamespace } from '../../domain/pullcheck/pullcheck-use-cases.js';
import { shareKeyOf } from '../access.js';
import { requestSignal } from '../request-signal.js';
import type { NamespacePath, ScanQuery } from '../params.js';
import type { HandlerFactory } from '../route.js';

// "Will it pull?": the whole answer for manifests, a Pod, or a page of the namespace's Pods (the registry's included).

// Each probe takes the caller's share of the verification slots (REGCRED_VERIFY_REQUEST_SHARE), as a verification does:
// without it one pull check could hold every slot.
const callersProbe = (probe: ManifestProbe, res: Response): ManifestProbe => ({
  probe: (target, signal) => probe.probe(target, signal, shareKeyOf(res.locals)),
});

// As for a request's verification: a pull check ends when its client goes away, or after 25 s.
const PULL_CHECK_DEADLINE_MS = 25_000;
const deadlineOf = (res: Response) => AbortSignal.any([requestSignal(res), AbortSignal.timeout(PULL_CHECK_DEADLINE_MS)]);

export const pullCheckHandler: HandlerFactory<{ params: NamespacePath; body: Buffer }> =
  ({ cluster, probe }) =>
  async ({ params: { namespace }, body }, req, res) => {
    const request = readPullCheckRequest(body, req.get('content-type'));
    res.json(await checkPullability({ cluster, probe: callersProbe(probe, res) }, namespace, request, deadlineOf(res)));
  };

export const pullCheckScanHandler: HandlerFactory<{ params: NamespacePath; query: ScanQuery }> =
  ({ cluster, probe }) =>
  async ({ params: { namespace }, query }, _req, res) => {
    res.json(await scanNamespace({ cluster, probe: callersProbe(probe, res) }, namespace, query, deadlineOf(res)));
  };
