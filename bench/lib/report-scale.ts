import type { StepPauses } from './pause-watch.js';
import { fixed, verdict } from './format.js';
import { profileMarkdown } from './profile-summary.js';
import { SCALE_TARGETS as T, type ManyRun, type ScaleResults, type ScaleSizeRun } from './scale-types.js';

const s = (ms: number | null | undefined) => (ms === null || ms === undefined ? 'never' : `${fixed(ms / 1000)} s`);
const ms = (v: number | undefined) => (v === undefined ? 'n/a' : `${fixed(v, 0)} ms`);
const mb = (v: number | undefined) => (v === undefined ? 'n/a' : `${fixed(v, 1)} MB`);
const x = (ratio: number | null | undefined) => (ratio === null || ratio === undefined ? 'n/a' : `${fixed(ratio)}×`);
const judged = (met: boolean | undefined) => (met === undefined ? '' : ` ${verdict(met)}`);

function sizeLines(r: ScaleSizeRun): string[] {
  const lines = [
    '',
    `  ${r.namespaces} namespaces (size ${r.size}; ${fixed(r.durationS, 0)} s): ${r.topUp.created} created in ${s(r.topUp.ms)} (${r.topUp.concurrency} at a time)`,
    `    floor: ${r.floor.secrets} bare Secrets in ${s(r.floor.ms)} (before regcred ${s(r.floor.beforeMs)}, after ${s(r.floor.afterMs)}; ${r.floor.concurrency} in flight; ${r.floor.secretBytes} bytes each, a copy ${r.floor.copyBytes ?? 'n/a'})`,
    `    regcred: led after ${s(r.regcred.leaderAfterStartMs)}, idle RSS ${mb(r.regcred.idleRssMB)}, idle CPU ${fixed((r.regcred.idleCpuPerSecond ?? NaN) * 1000, 1)} ms/s`,
  ];
  if (r.coldStart)
    lines.push(
      `    cold start: counts.current = ${r.namespaces} after ${s(r.coldStart.statusCurrentMs)} = ${x(r.coldStart.floorRatio)} the floor (target <= ${T.floorRatioMax}×:${judged(r.coldStart.met)}); last copy seen ${s(r.coldStart.lastCopySeenMs)}`,
    );
  if (r.rotation) {
    const o = r.rotation;
    lines.push(
      `    rotation: rolled out after ${s(o.rolledOutMs)} = ${x(o.floorRatio)} the floor (target <= ${T.floorRatioMax}×, no read without a secret:${judged(o.met)}); reads ${o.reads}: ${o.oldReads} old, ${o.newReads} new, ${o.missingReads} missing, ${o.invalidReads} invalid`,
    );
  }
  if (r.newNamespace) {
    const e = r.newNamespace;
    lines.push(
      `    new namespace -> copy and link: ${e.count} (every ${e.spacingMs} ms), p50 ${ms(e.p50Ms)}, p99 ${ms(e.p99Ms)}, max ${ms(e.maxMs)}${e.timedOut ? `, ${e.timedOut} timed out` : ''} (target p99 <= ${T.newNamespaceP99MsMax} ms:${judged(e.met)})`,
    );
    if (e.pauses) lines.push(`      pauses meanwhile: ${pausesLine(e.pauses)}`);
  }
  if (r.regcred.peakRssMB !== undefined)
    lines.push(
      `    peak RSS ${mb(r.regcred.peakRssMB)}, ${mb(r.regcred.peakAboveIdleMB)} above idle (targets <= ${T.peakRssMBMax} MB and <= ${T.peakAboveIdleMBMax} MB above:${judged(r.regcred.met)}); CPU ${fixed(r.regcred.cpuSeconds ?? NaN, 1)} s`,
    );
  if (r.resync) {
    const y = r.resync;
    lines.push(
      `    restart: first reconcile ${s(y.firstReconcileAfterStartMs)} after start, ${y.restartWrites} writes; peak RSS ${mb(y.peakRssMB)}`,
      `    resync every ${y.resyncSeconds} s, over ${y.windowSeconds} s: ${y.reconciles} reconciles, ${y.writes} writes, ${y.copiesRewritten} copies rewritten, status ${y.statusWritten ? 'rewritten' : 'untouched'} (target 0:${judged(y.met)}); ${fixed(y.cpuSecondsPerResync ?? NaN, 3)} CPU s per resync, ${fixed(y.cpuSecondsPerResyncLessIdle ?? NaN, 3)} less idle`,
    );
  }
  if (r.deleteDistributionMs !== undefined) lines.push(`    DELETE ?orphan=false until gone: ${s(r.deleteDistributionMs)}`);
  if (r.failure)
    lines.push(`    FAILED at ${r.failure.step}: ${r.failure.message}`, ...(r.failure.stderrTail ?? []).map((l) => `      | ${l}`));
  return lines;
}

function manyLines(m: ManyRun | { skipped: string }): string[] {
  if ('skipped' in m) return ['', `scale-many: SKIPPED: ${m.skipped}`];
  return [
    '',
    `scale-many: ${m.distributions} distributions × ${m.namespacesEach} namespaces (${fixed(m.durationS, 0)} s; namespaces created in ${s(m.createNamespacesMs)}); all current after ${s(m.allCurrentMs)}`,
    `  one rotated: rolled out after ${s(m.rotationMs)} (target <= ${T.manyRolloutMsMax / 1000} s), ${m.rotatedWrites} writes; the other ${m.distributions - 1} wrote ${m.otherWrites} (target ${T.manyOtherWritesMax}): ${verdict(m.met)}; peak RSS ${mb(m.peakRssMB)}`,
    ...(m.failure ? [`  FAILED at ${m.failure.step}: ${m.failure.message}`, ...(m.failure.stderrTail ?? []).map((l) => `    | ${l}`)] : []),
  ];
}

/** What BENCH_ONLY=scale and scale-many report (either may be missing). */
export type ScaleReport = Partial<ScaleResults> & { many?: ManyRun | { skipped: string } };

export function scaleLines(r: ScaleReport): string[] {
  const lines = r.sizes
    ? ['', `scale against ${r.server ?? 'n/a'} (a private kit; ${fixed(r.durationS ?? NaN, 0)} s in all)`, `  harness: ${r.harness}`]
    : [];
  for (const size of r.sizes ?? []) lines.push(...sizeLines(size));
  const g = r.newNamespaceGrowth;
  if (g)
    lines.push(
      '',
      `  new-namespace p99 at ${g.largest} over at ${g.smallest}: ${x(g.ratio)} (target <= ${T.newNamespaceGrowthMax}×: ${verdict(g.met)})`,
    );
  if (r.stoppedEarly) lines.push(`  stopped early: ${r.stoppedEarly}`);
  if (r.many) lines.push(...manyLines(r.many));
  return lines;
}

/** The table of docs/benchmarks.md "Namespace count", one column per size, and the profile summaries. */
export function scaleMarkdown(r: ScaleReport): string {
  const sizes = r.sizes ?? [];
  const row = (label: string, cell: (z: ScaleSizeRun) => string, target = '') =>
    `| ${label} | ${sizes.map((z) => (z.failure && cell(z) === 'n/a' ? 'died' : cell(z))).join(' | ')} | ${target} |`;
  const lines = [
    `| measurement | ${sizes.map((z) => `${z.namespaces.toLocaleString('en')} ns`).join(' | ')} | target |`,
    `|---|${sizes.map(() => '---:|').join('')}---|`,
    row('namespaces created (top-up)', (z) => `${z.topUp.created} in ${s(z.topUp.ms)}`),
    row(
      'floor: bare Secrets, 16 in flight (before / after regcred)',
      (z) => `${s(z.floor.ms)} (${s(z.floor.beforeMs)} / ${s(z.floor.afterMs)})`,
    ),
    row(
      'cold start → counts.current = N',
      (z) => `${s(z.coldStart?.statusCurrentMs)} (${x(z.coldStart?.floorRatio)})`,
      `≤ ${T.floorRatioMax}× floor`,
    ),
    row('rotation → rolled out', (z) => `${s(z.rotation?.rolledOutMs)} (${x(z.rotation?.floorRatio)})`, `≤ ${T.floorRatioMax}× floor`),
    row('reads without a secret during it', (z) => (z.rotation ? `${z.rotation.missingReads} of ${z.rotation.reads}` : 'n/a'), '0'),
    row(
      'new namespace → copy + link, p50 / p99 / max',
      (z) => (z.newNamespace ? `${ms(z.newNamespace.p50Ms)} / ${ms(z.newNamespace.p99Ms)} / ${ms(z.newNamespace.maxMs)}` : 'n/a'),
      `p99 ≤ ${T.newNamespaceP99MsMax} ms; largest ≤ ${T.newNamespaceGrowthMax}× smallest`,
    ),
    row(
      'resync: writes / CPU s per resync (less idle)',
      (z) =>
        z.resync
          ? `${z.resync.writes} / ${fixed(z.resync.cpuSecondsPerResync ?? NaN, 3)} (${fixed(z.resync.cpuSecondsPerResyncLessIdle ?? NaN, 3)})`
          : 'n/a',
      '0 writes',
    ),
    row('restart: first reconcile / writes', (z) =>
      z.resync ? `${s(z.resync.firstReconcileAfterStartMs)} / ${z.resync.restartWrites}` : 'n/a',
    ),
    row(
      'idle RSS / peak RSS (above idle)',
      (z) => `${mb(z.regcred.idleRssMB)} / ${mb(z.regcred.peakRssMB)} (+${fixed(z.regcred.peakAboveIdleMB ?? NaN, 1)})`,
      `peak ≤ ${T.peakRssMBMax} MB, ≤ +${T.peakAboveIdleMBMax} MB`,
    ),
    row('DELETE ?orphan=false until gone', (z) => s(z.deleteDistributionMs)),
  ];
  if (!sizes.length) lines.length = 0;
  const m = r.many;
  if (m && !('skipped' in m))
    lines.push(
      '',
      `| ${m.distributions} distributions × ${m.namespacesEach} namespaces | figure | target |`,
      '|---|---:|---|',
      `| all current after the PUTs | ${s(m.allCurrentMs)} | |`,
      `| one source rotated → rolled out | ${s(m.rotationMs)} | ≤ ${T.manyRolloutMsMax / 1000} s |`,
      `| writes of the other ${m.distributions - 1} meanwhile | ${m.otherWrites} | ${T.manyOtherWritesMax} |`,
    );
  for (const z of sizes)
    for (const [step, summary] of Object.entries(z.profiles ?? {}))
      lines.push('', ...profileMarkdown(`${z.namespaces} namespaces, ${step}`, summary));
  return `${lines.join('\n')}\n`;
}

function pausesLine(p: StepPauses): string {
  const kinds = Object.entries(p.regcred.byKind)
    .filter(([, f]) => f.count > 0)
    .map(([kind, f]) => `${kind} ${f.count} (${f.totalMs} ms, ${f.over100Ms} >= 100 ms)`)
    .join(', ');
  return (
    `regcred GC ${kinds || 'none'}, longest event-loop stall ${p.regcred.eventLoopMaxMs} ms; ` +
    `bench GC ${p.bench.collections} (max ${p.bench.maxMs} ms, ${p.bench.over50Ms} >= 50 ms, ${p.bench.totalMs} ms in all)`
  );
}
