import { fileURLToPath } from 'node:url';
import type { CpuProfile } from './inspector-profiler.js';
import { round } from './load.js';

/** One function of a profile: where it is (file:line, 1-based, of the code that ran) and its time. */
export interface ProfileEntry {
  function: string;
  where: string;
  ms: number;
  percent: number;
}

export interface ProfileSummary {
  /** Sampled wall time, idle included. */
  sampledMs: number;
  /** Of that, the process was running JavaScript, compiling or collecting garbage (not "(idle)"). */
  busyMs: number;
  /** By time spent in the function itself. */
  topSelf: ProfileEntry[];
  /** regcred's own functions (src/) by time on the stack (callees included; recursion counted once): the hot paths. */
  topTotal: ProfileEntry[];
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// Where the compiled src/ runs from (compileServers).
const OWN_CODE = 'bench/.build/src/';

/** The `top` functions by self and by total time of a V8 CPU profile, paths relative to the project. */
export function summarizeProfile(profile: CpuProfile, top = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const keyOf = (id: number) => {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const file =
      url
        .replace(/^file:\/\//, '')
        .replace(ROOT, '')
        .replace(/^.*\/node_modules\//, 'node_modules/') || '(native)';
    return `${functionName || '(anonymous)'}\t${lineNumber >= 0 ? `${file}:${lineNumber + 1}` : file}`;
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let sampledUs = 0;
  let busyUs = 0;
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    // A sample's time is the gap to the next one (the last sample gets none).
    const us = Math.max(0, deltas[i + 1] ?? 0);
    const leaf = samples[i]!;
    sampledUs += us;
    const leafName = byId.get(leaf)?.callFrame.functionName ?? '';
    if (leafName === '(idle)') continue;
    busyUs += us;
    const leafKey = keyOf(leaf);
    self.set(leafKey, (self.get(leafKey) ?? 0) + us);
    const seen = new Set<string>();
    for (let id: number | undefined = leaf; id !== undefined; id = parentOf.get(id)) {
      const key = keyOf(id);
      if (seen.has(key) || !key.includes(`\t${OWN_CODE}`)) continue;
      seen.add(key);
      total.set(key, (total.get(key) ?? 0) + us);
    }
  }
  const rank = (times: Map<string, number>) =>
    [...times]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([key, us]) => {
        const [fn, where] = key.split('\t') as [string, string];
        return { function: fn, where, ms: round(us / 1000, 1), percent: busyUs ? round((us / busyUs) * 100, 1) : 0 };
      });
  return { sampledMs: round(sampledUs / 1000, 0), busyMs: round(busyUs / 1000, 0), topSelf: rank(self), topTotal: rank(total) };
}

/** A profile's summary as markdown: two tables, self time, then regcred's own functions by total time (percentages of the busy time). */
export function profileMarkdown(title: string, s: ProfileSummary): string[] {
  const table = (heading: string, entries: ProfileEntry[]) => [
    `| ${heading} | where (compiled JS) | ms | % of busy |`,
    '|---|---|---:|---:|',
    ...entries.map((e) => `| \`${e.function}\` | ${e.where} | ${e.ms} | ${e.percent} |`),
  ];
  return [
    `#### ${title}`,
    '',
    `${s.busyMs} ms busy of ${s.sampledMs} ms sampled.`,
    '',
    ...table('self time', s.topSelf),
    '',
    ...table('total time (regcred code)', s.topTotal),
    '',
  ];
}
