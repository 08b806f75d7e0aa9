import { setTimeout as sleep } from 'node:timers/promises';
import type { ServerProcess } from './children.js';
import type { RequestFactory } from './fixtures.js';
import { runLoad, summarize, type Measurement, type Sample } from './load.js';

export interface Settings {
  /** Measured seconds per server, split into `rounds` slices. */
  seconds: number;
  rounds: number;
  warmupSeconds: number;
}

/** Peak RSS of each server process, and the largest RSS sampled from the watched ones under load. */
export class MemoryWatch {
  sampledMaxMB = 0;
  readonly peaksMB: Record<string, number> = {};

  sample(server: ServerProcess): void {
    this.sampledMaxMB = Math.max(this.sampledMaxMB, server.rssMB());
  }

  /** Reads VmHWM: call before stopping the server. */
  recordPeak(server: ServerProcess): number {
    const peak = Math.round(server.peakRssMB() * 10) / 10;
    this.peaksMB[server.name] = peak;
    return peak;
  }
}

export interface Side {
  server: ServerProcess;
  request: RequestFactory;
  /** Samples this server's RSS while it is measured. */
  watch?: MemoryWatch;
}

export interface CompareOptions {
  connections: number;
  bodyCheck?: (body: string) => boolean;
  /**
   * Pause after each run: autocannon abandons its in-flight requests when time is up, and the
   * server still completes them; the next run must not race them for the same secret.
   */
  settleMs?: number;
}

/**
 * Warms both servers up (discarded), then measures them in alternating slices (A B, B A, A B...),
 * so that a change in the machine's background load during the run hits both sides alike.
 */
export async function compare(a: Side, b: Side, settings: Settings, options: CompareOptions): Promise<[Measurement, Measurement]> {
  const slice = settings.seconds / settings.rounds;
  const run = async (side: Side, seconds: number): Promise<Sample> => {
    const cpuBefore = side.server.cpuSeconds();
    const sample = await runLoad({
      url: side.server.url,
      connections: options.connections,
      seconds,
      request: side.request,
      bodyCheck: options.bodyCheck,
      onSample: side.watch && (() => side.watch!.sample(side.server)),
    });
    const serverCpuS = side.server.cpuSeconds() - cpuBefore;
    await sleep(options.settleMs ?? 0);
    return { ...sample, serverCpuS };
  };
  process.stderr.write(
    `  ${a.server.name} vs ${b.server.name}, ${options.connections} connection(s): ` +
      `warm-up ${settings.warmupSeconds} s each, then ${settings.rounds} alternating rounds of ${slice} s each\n`,
  );
  await run(a, settings.warmupSeconds);
  await run(b, settings.warmupSeconds);
  const samples: [Sample[], Sample[]] = [[], []];
  for (let round = 0; round < settings.rounds; round++) {
    const order = round % 2 === 0 ? [0, 1] : [1, 0];
    for (const i of order) samples[i]!.push(await run(i === 0 ? a : b, slice));
  }
  const withCheck = options.bodyCheck !== undefined;
  return [summarize(samples[0], options.connections, withCheck), summarize(samples[1], options.connections, withCheck)];
}
