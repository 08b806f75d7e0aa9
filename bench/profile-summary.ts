// `npx tsx bench/profile-summary.ts <file.cpuprofile> [top]`: the hottest functions of a V8 CPU profile (from
// BENCH_PROFILE=1, or `node --cpu-prof`), by self and by total time, as markdown.
import { readFileSync } from 'node:fs';
import type { CpuProfile } from './lib/inspector-profiler.js';
import { profileMarkdown, summarizeProfile } from './lib/profile-summary.js';

const [file, top] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: tsx bench/profile-summary.ts <file.cpuprofile> [top, default 15]\n');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
process.stdout.write(`${profileMarkdown(file, summarizeProfile(profile, Number(top ?? 15))).join('\n')}\n`);
