import type { Response } from 'express';
import { grantsNamespace, type Operation } from '../../domain/access/access-policy.js';
import {
  authorizeNamespaces,
  MAX_FAN_OUT_REFUSALS,
  type NamespaceAccess,
  type NamespaceDecision,
} from '../../domain/access/authorize-namespaces.js';
import type { Cluster } from '../../domain/cluster.js';
import { applyToNamespaces, type FanOutWrite, type NamespaceResult } from '../../domain/pull-secrets/fan-out.js';
import { describePullSecretData } from '../../domain/secret-manifest/redact-secret.js';
import { renderPullSecret } from '../../domain/secret-manifest/render-secret.js';
import type { FanOutResult } from '../../domain/view-schemas.js';
import { fanOutBodySchema, MAX_FAN_OUT_NAMESPACES } from '../../domain/pull-secrets/write-schemas.js';
import { ValidationError } from '../../errors.js';
import { callerOf, mayDo, mayDoEverywhere } from '../authenticate.js';
import type { HandlerFactory, RouteContext } from '../route-context.js';
import { fanOutDockerConfigQuerySchema, fanOutPathSchema, writeQuerySchema } from '../params.js';
import { linkAudit } from '../write-audit.js';
import { contentOf, writeOptions } from '../write-input.js';
import { parseInput } from '../validate.js';
import { credentialsFieldOf, checkedDockerConfig, requestSignal } from '../verification-step.js';

interface Targets {
  namespaces?: string[];
  namespaceSelector?: string;
}

/**
 * One pull secret to many namespaces: `PUT /v1/pullsecrets/{name}` (credentials) and
 * `…/dockerconfig` (a config.json), each namespace authorised on its own; 200 when all succeeded, 207 otherwise.
 */
export const applyToNamespacesHandler: HandlerFactory = (context) => {
  const run = fanOut(context);
  const { verify } = context;
  return async (req, res) => {
    const { name } = parseInput(fanOutPathSchema, req.params, 'path');
    const query = parseInput(writeQuerySchema, req.query, 'query');
    const body = parseInput(fanOutBodySchema, req.body, 'body');
    const content = contentOf(body);
    const checked = await verify(query.verify, content.registries, credentialsFieldOf(body), requestSignal(res));
    const write = { name, ...content, ...checked, serviceAccounts: body.serviceAccounts, ...writeOptions(query) };
    await run(res, body, write, checked.verification);
  };
};

export const applyDockerConfigToNamespacesHandler: HandlerFactory = (context) => {
  const run = fanOut(context);
  const { verify } = context;
  return async (req, res) => {
    const { name } = parseInput(fanOutPathSchema, req.params, 'path');
    const query = parseInput(fanOutDockerConfigQuerySchema, req.query, 'query');
    const checked = await checkedDockerConfig(verify, req, res, query);
    const write = { name, ...checked, serviceAccounts: query.serviceAccounts, ...writeOptions(query) };
    await run(res, query, write, checked.verification);
  };
};

function fanOut({ cluster, metrics, access, config, logger }: RouteContext) {
  const settings = { concurrency: config.fanOutConcurrency, logger };
  return async (res: Response, targets: Targets, write: Omit<FanOutWrite, 'namespaces'>, verification: FanOutResult['verification']) => {
    // Rendered once up front: input that cannot become a Secret is a 422 before any namespace is touched.
    const manifest = renderPullSecret({
      name: write.name,
      registries: write.registries,
      labels: write.labels,
      annotations: write.annotations,
      appendHash: write.appendHash,
    });
    const caller = callerOf(res.locals);
    const operations: Operation[] = write.serviceAccounts?.length ? ['apply', 'link'] : ['apply'];
    const namespaceAccess: NamespaceAccess = {
      denied: (namespace) => grantsNamespace(access.denyNamespaces, namespace),
      allowedEverywhere: () => mayDoEverywhere(access, caller, operations),
      allowed: (namespace) => mayDo(access, caller, operations, namespace),
    };
    const decide = (namespaces: readonly string[]) =>
      authorizeNamespaces(namespaces, namespaceAccess, { concurrency: settings.concurrency, maxGrants: MAX_FAN_OUT_NAMESPACES });
    const { namespaces, decisions } = await resolveTargets(cluster, decide, targets);
    if (!decisions) {
      access.audit(res, { operation: 'apply', name: write.name, result: 'denied', reason: 'too-many-refusals' });
      throw new ValidationError('the selector matches too many namespaces you may not write', [
        {
          path: 'namespaceSelector',
          code: 'too_many_refusals',
          message:
            'matches more namespaces than regcred will review for this caller; name the namespaces explicitly or narrow the selector',
        },
      ]);
    }
    const results = (
      await applyToNamespaces(
        cluster,
        { ...write, namespaces },
        {
          concurrency: settings.concurrency,
          mayWrite: async (namespace) => decisions.get(namespace) === 'allowed',
          onUnexpected: (error) =>
            settings.logger.error({ error: { type: (error as Error)?.constructor?.name } }, 'unexpected error in a fan-out namespace'),
        },
      )
    ).map((r) => (decisions.get(r.namespace) === 'not-reviewed' ? { ...r, reason: NOT_REVIEWED } : r));
    const servers = write.registries.map((x) => x.server);
    for (const r of results) {
      if (!write.dryRun && r.result !== 'forbidden') metrics.pullSecretsWritten.inc({ result: r.result });
      access.audit(res, {
        operation: 'apply',
        namespace: r.namespace,
        name: r.name ?? write.name,
        servers,
        result: r.result === 'forbidden' ? 'denied' : r.result,
        ...(r.result === 'forbidden' || r.result === 'failed' ? { reason: r.result } : {}),
        ...linkAudit(r.serviceAccountLinks),
        ...(write.dryRun ? { dryRun: true } : {}),
      });
    }
    const summary = summarise(results);
    const allSucceeded = results.every((r) => ['created', 'updated', 'unchanged'].includes(r.result) && !r.linkError);
    const described = describePullSecretData(manifest.type, manifest.data);
    const body: FanOutResult = {
      name: write.name,
      ...(write.dryRun ? { dryRun: true } : {}),
      summary,
      results,
      registries: described.registries,
      ...(verification ? { verification } : {}),
      warnings: [...(write.warnings ?? []), ...described.warnings],
    };
    res.status(allSucceeded ? 200 : 207).json(body);
  };
}

const NOT_REVIEWED = `not reviewed: this request was refused in ${MAX_FAN_OUT_REFUSALS} namespaces more than it was allowed in; name only namespaces you may manage pull secrets in`;

/**
 * The namespaces to write, each decided by `decide` before anything is written: those named (each
 * reported, forbidden ones too: the caller named them), or those a selector matches that the caller
 * may write — the others are passed over without a trace (not named, not counted), so a selector
 * cannot be used to learn which namespaces exist. `decisions` is absent when a selector matched so
 * many namespaces the caller may not write that not all were reviewed: the request is refused (422).
 * @throws ValidationError when a selector matches more namespaces than one request may write
 */
async function resolveTargets(
  cluster: Cluster,
  decide: (namespaces: readonly string[]) => Promise<Map<string, NamespaceDecision>>,
  targets: Targets,
): Promise<{ namespaces: string[]; decisions?: Map<string, NamespaceDecision> }> {
  if (targets.namespaces) return { namespaces: targets.namespaces, decisions: await decide(targets.namespaces) };
  const matching = await cluster.listNamespaces(targets.namespaceSelector);
  // Reviews stop once the caller may write more namespaces than one request may: too big, whatever the rest would say.
  const decisions = await decide(matching);
  const namespaces = matching.filter((namespace) => decisions.get(namespace) === 'allowed');
  if (namespaces.length > MAX_FAN_OUT_NAMESPACES) {
    throw new ValidationError('the selector matches too many namespaces', [
      {
        path: 'namespaceSelector',
        code: 'too_big',
        message: `matches more than ${MAX_FAN_OUT_NAMESPACES} namespaces you may write; narrow it`,
      },
    ]);
  }
  if ([...decisions.values()].includes('not-reviewed')) return { namespaces: [] };
  return { namespaces, decisions };
}

function summarise(results: readonly NamespaceResult[]): FanOutResult['summary'] {
  const summary = { created: 0, updated: 0, unchanged: 0, forbidden: 0, failed: 0, linkFailed: 0 };
  for (const r of results) {
    summary[r.result]++;
    if (r.linkError) summary.linkFailed++;
  }
  return summary;
}
