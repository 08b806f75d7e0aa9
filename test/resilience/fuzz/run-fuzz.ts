import { Agent, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { applyServerTimeouts } from '../../../src/server-timeouts.js';
import type { Express } from 'express';
import { judge, type Findings } from './findings.js';
import { loadOperations } from './operations.js';
import { requestArbitrary } from './requests.js';
import { send } from './send.js';
import { canaryForms, type FuzzWorld } from './world.js';

export interface Leg {
  name: string;
  app: Express;
  /** The app's log, line by line, as it is written. */
  logLines: string[];
  world: FuzzWorld;
  requests: number;
  seed: number;
  /** Requests in flight at once, each on a connection of a kept-alive pool of this size. */
  concurrency: number;
}

export interface LegResult {
  requests: number;
  statuses: Record<string, number>;
  /** Statuses (or client errors) per operation. */
  byOperation: Record<string, Record<string, number>>;
}

const BATCH = 250;
const { operations, resolve } = loadOperations();

/** Sends `requests` fuzzed requests from `seed` over kept-alive connections to the app on 127.0.0.1; failures go to `findings`. */
export async function runLeg(leg: Leg, findings: Findings): Promise<LegResult> {
  const server = createServer(leg.app);
  applyServerTimeouts(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  const agent = new Agent({ keepAlive: true, maxSockets: leg.concurrency });
  const statuses: Record<string, number> = {};
  const byOperation: Record<string, Record<string, number>> = {};
  const forms = canaryForms(leg.world);
  const arbitrary = requestArbitrary(operations, leg.world, resolve);
  const errorFor = (requestId: string) => {
    const line = leg.logLines.findLast((l) => l.includes('"unhandled error"') && l.includes(requestId));
    const error = line ? (JSON.parse(line) as { error?: { type?: string; stack?: string } }).error : undefined;
    return error ? `${error.type} ${error.stack?.split('\n')[0]?.trim() ?? ''}` : undefined;
  };
  let sent = 0;
  try {
    for (let batch = 0; sent < leg.requests; batch++) {
      const size = Math.min(BATCH, leg.requests - sent);
      const requests = fc.sample(arbitrary, { seed: leg.seed + batch, numRuns: size });
      let next = 0;
      const worker = async () => {
        for (let i = next++; i < requests.length; i = next++) {
          const request = requests[i]!;
          const outcome = await send(agent, port, request);
          const key = outcome.kind === 'answer' ? String(outcome.status) : outcome.code;
          statuses[key] = (statuses[key] ?? 0) + 1;
          const counts = (byOperation[request.label] ??= {});
          counts[key] = (counts[key] ?? 0) + 1;
          judge(findings, request, outcome, forms, errorFor);
        }
      };
      await Promise.all(Array.from({ length: leg.concurrency }, worker));
      sent += size;
      drainLog(leg, forms, findings);
    }
  } finally {
    agent.destroy();
    await new Promise((done) => server.close(done));
  }
  drainLog(leg, forms, findings);
  return { requests: sent, statuses, byOperation };
}

/** Looks for the canary in the log lines written so far, then forgets them (a long run would hold them all). */
function drainLog(leg: Leg, forms: string[], findings: Findings): void {
  for (const line of leg.logLines.splice(0)) {
    if (forms.some((f) => line.includes(f))) findings.add('canary-in-log', leg.name, 'log line', () => line);
  }
}
