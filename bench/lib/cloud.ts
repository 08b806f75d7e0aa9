import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { CopyTokens } from '../../test/support/cloud/copy-tokens.js';
import { startFakeAws, type FakeAws } from '../../test/support/cloud/fake-aws.js';
import { adminKubeConfig, applyCrd, forget, removeDistribution, startController } from './distribution-setup.js';
import type { Kit } from './kit.js';
import { round } from './load.js';
import { NamespaceBatch, uniqueName } from './namespace.js';
import { cloudWriteRates, median, type CloudPhase, type CloudRefresh, type CloudRun } from './report-cloud.js';

export interface CloudPhaseSettings {
  namespaces: number;
  lifetimeSeconds: number;
  refreshes: number;
  /** Failed GetAuthorizationToken calls queued just before each refresh point (index 0: the first refresh); 0: none. */
  failures: number[];
}

export interface CloudSettings {
  /** The roll-out figures: 1,000 namespaces, a token long enough that a roll-out is a small share of it. */
  rollout: CloudPhaseSettings;
  /** The failure run: fewer namespaces, a short token, refreshes with failures shorter than half a lifetime. */
  failures: CloudPhaseSettings;
  /** The part stops (and cleans up) after this long, whatever it is doing. */
  hardStopSeconds: number;
}

const SETUP_CONCURRENCY = 16;
const ECR_CALL = 'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken';
const REGION = 'eu-west-1';
const ACCOUNT = '111122223333';
const DELETE_WAIT_MS = 120_000;
// The controller's metric may trail the last copy the watch saw by a write or two.
const SETTLE_MS = 1_000;

const HARNESS =
  'regcred as deployed (compiled src/main.ts, start:prod V8 flags, token auth, REGCRED_CLUSTER=kubernetes, controller on) in a child process, ' +
  'REGCRED_CLOUD_ALLOW=ecr:111122223333:*, the real AWS SDK pointed at a fake STS + ECR on 127.0.0.1 (test/support/cloud/fake-aws.ts) with static keys; ' +
  "which token each copy carries is followed through client-node's own Watch on the copies (not regcred's informers); times are wall-clock";

/** The `cloud` part: one ECR-sourced distribution per phase, each on a regcred and a fake AWS of its own. */
export async function benchCloud(kit: Kit, settings: CloudSettings, cleanups: Array<() => Promise<void>>): Promise<CloudRun> {
  const started = performance.now();
  const stop = new AbortController();
  const hardStop = setTimeout(() => {
    process.stderr.write(`  hard stop after ${settings.hardStopSeconds} s\n`);
    stop.abort(new Error(`cloud: stopped after ${settings.hardStopSeconds} s`));
  }, settings.hardStopSeconds * 1000);
  cleanups.push(async () => stop.abort(new Error('cloud: interrupted')));
  try {
    await applyCrd(kit);
    const rollout = await runPhase(kit, 'rollout', settings.rollout, cleanups, stop.signal);
    const failures = await runPhase(kit, 'failures', settings.failures, cleanups, stop.signal);
    const writesPerRefresh = median(rollout.refreshes.map((r) => r.writes));
    return {
      server: kit.server,
      kitStartedHere: kit.startedHere,
      harness: HARNESS,
      rollout,
      failures,
      writeRates: cloudWriteRates(writesPerRefresh, rollout.namespaces),
      durationS: round((performance.now() - started) / 1000, 1),
    };
  } finally {
    clearTimeout(hardStop);
  }
}

async function runPhase(
  kit: Kit,
  label: string,
  settings: CloudPhaseSettings,
  cleanups: Array<() => Promise<void>>,
  signal: AbortSignal,
): Promise<CloudPhase> {
  const kubeConfig = adminKubeConfig(kit.kubeconfig);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const lifetimeMs = settings.lifetimeSeconds * 1000;
  const aws = await startFakeAws({ tokenLifetimeSeconds: settings.lifetimeSeconds });
  cleanups.push(aws.stop);
  const batch = new NamespaceBatch(core, SETUP_CONCURRENCY, `regcred-cloud-${label}`);
  cleanups.push(() => batch.remove());
  process.stderr.write(`  ${label}: creating ${settings.namespaces} namespaces ${batch.prefix}-*, ${SETUP_CONCURRENCY} at a time\n`);
  await batch.create(settings.namespaces);
  signal.throwIfAborted();

  const controller = await startController(kit, `regcred (cloud ${label})`, cloudEnv(aws), cleanups);
  const { client, server } = controller;
  const name = uniqueName(`bench-ecr-${label}`);
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  cleanups.push(() => forget(client, custom, [name]));
  const expiryOf = (password: string) =>
    aws
      .minted()
      .find((t) => t.password === password)
      ?.expiresAt.getTime();
  const copies = new CopyTokens(expiryOf);
  cleanups.push(async () => copies.stop());
  await copies.start(kubeConfig, name);
  const everyCopy = (password: string) => () => copies.count(password) === settings.namespaces;
  const writes = () => client.metric('regcred_distribution_writes_total', { distribution: name });

  process.stderr.write(
    `  ${label}: PUT an ECR distribution over ${settings.namespaces} namespaces, ${settings.lifetimeSeconds} s tokens\n`,
  );
  await client.putDistribution(name, {
    ecr: { region: REGION, registryIds: [ACCOUNT] },
    namespaceSelector: batch.selector,
    serviceAccounts: [],
  });
  const first = await nextMint(aws, 1, 30_000, signal);
  const firstAll = await copies.until(everyCopy(first.password), lifetimeMs);
  if (firstAll === undefined) throw new Error(`cloud ${label}: the first token did not reach every copy within ${lifetimeMs} ms`);
  const firstMint = {
    ecrCalls: successfulCalls(aws).length,
    mintToAllCopiesMs: firstAll - successfulCalls(aws)[0]!.at,
  };
  await sleep(SETTLE_MS, undefined, { signal });
  let writesBefore = await writes();
  let changesBefore = copies.tokenChanges;

  const refreshes: CloudRefresh[] = [];
  for (let i = 1; i <= settings.refreshes; i++) {
    const failing = settings.failures[i - 1] ?? 0;
    const callsBefore = ecrCalls(aws).length;
    if (failing > 0) {
      // Alternately a throttle and a server error: the SDK retries both itself before regcred's own backoff.
      const failure = i % 2 ? { status: 400, code: 'ThrottlingException' } : { status: 500, code: 'ServerException' };
      aws.failNext('ecr', { times: failing, ...failure, message: 'injected by the bench' });
    }
    const previous = aws.minted()[i - 1]!;
    process.stderr.write(`  ${label}: refresh ${i}/${settings.refreshes}${failing ? ` after ${failing} failed calls` : ''}\n`);
    const token = await nextMint(aws, i + 1, lifetimeMs, signal);
    const mintedAt = successfulCalls(aws)[i]!.at;
    const allAt = await copies.until(everyCopy(token.password), lifetimeMs);
    if (allAt === undefined) throw new Error(`cloud ${label}: token ${i + 1} did not reach every copy within ${lifetimeMs} ms`);
    const calls = ecrCalls(aws).slice(callsBefore);
    const failed = calls.filter((c) => c.registryIds === undefined);
    await sleep(SETTLE_MS, undefined, { signal });
    const writesNow = await writes();
    const leadMs = previous.expiresAt.getTime() - allAt;
    refreshes.push({
      index: i,
      failedCalls: failed.length,
      mintDelayedMs: failed.length ? mintedAt - failed[0]!.at : 0,
      mintToAllCopiesMs: allAt - mintedAt,
      leadMs,
      leadShare: round(leadMs / lifetimeMs, 3),
      ecrCalls: calls.length - failed.length,
      writes: writesNow - writesBefore,
      copyTokenChanges: copies.tokenChanges - changesBefore,
    });
    writesBefore = writesNow;
    changesBefore = copies.tokenChanges;
  }
  copies.stop();
  const peakRssMB = round(server.peakRssMB(), 1);
  process.stderr.write(`  ${label}: removing the distribution (DELETE ?orphan=false, until gone)\n`);
  await removeDistribution(client, name, DELETE_WAIT_MS);
  await server.stop();
  await aws.stop();
  await batch.remove();
  const leads = refreshes.map((r) => r.leadShare);
  return {
    namespaces: settings.namespaces,
    lifetimeSeconds: settings.lifetimeSeconds,
    firstMint,
    refreshes,
    leadShareMin: Math.min(...leads),
    leadShareMedian: median(leads),
    expiredCopies: copies.expired.length,
    maxPastExpiryMs: Math.max(0, ...copies.expired.map((e) => e.pastExpiryMs)),
    regcredPeakRssMB: peakRssMB,
  };
}

/** regcred's environment for the fake: the SDK's own variables, and nothing of the machine's AWS set-up. */
function cloudEnv(aws: FakeAws): Record<string, string> {
  return {
    REGCRED_CLOUD_ALLOW: `ecr:${ACCOUNT}:*`,
    REGCRED_CLOUD_TIMEOUT_MS: '10000',
    AWS_ENDPOINT_URL_ECR: aws.url,
    AWS_ENDPOINT_URL_STS: aws.url,
    AWS_ACCESS_KEY_ID: 'AKIABENCHFAKE0000000',
    AWS_SECRET_ACCESS_KEY: 'bench-fake-secret-access-key',
    AWS_REGION: REGION,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/nonexistent/regcred-bench-aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/regcred-bench-aws-credentials',
  };
}

const ecrCalls = (aws: FakeAws) => aws.calls.filter((c) => c.service === 'ecr' && c.action === ECR_CALL);
/** The calls answered with a token (a failed one never got as far as reading its registry ids). */
const successfulCalls = (aws: FakeAws) => ecrCalls(aws).filter((c) => c.registryIds !== undefined);

async function nextMint(aws: FakeAws, n: number, timeoutMs: number, signal: AbortSignal) {
  const deadline = performance.now() + timeoutMs;
  while (aws.minted().length < n) {
    if (performance.now() > deadline)
      throw new Error(`the fake AWS minted ${aws.minted().length} tokens, not ${n}, within ${timeoutMs} ms`);
    await sleep(20, undefined, { signal });
  }
  return aws.minted()[n - 1]!;
}
