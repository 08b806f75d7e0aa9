import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from './children.js';
import { InspectorProfiler } from './inspector-profiler.js';
import { summarizeProfile, type ProfileSummary } from './profile-summary.js';

/** Profiles steps of one regcred process, each into `<dir>/<label>-<step>.cpuprofile`, with a summary. */
export interface StepProfiler {
  /** Node flags the process must start with (none when not profiling). */
  nodeFlags: string[];
  /** Connects to the started process. */
  attach(): Promise<void>;
  profiled<T>(step: string, act: () => Promise<T>): Promise<T>;
  summaries: Record<string, ProfileSummary & { file: string }>;
  close(): void;
}

export async function stepProfiler(dir: string | undefined, label: string): Promise<StepProfiler> {
  const summaries: StepProfiler['summaries'] = {};
  if (!dir) return { nodeFlags: [], attach: async () => {}, profiled: (_step, act) => act(), summaries, close: () => {} };
  const port = await freePort();
  let inspector: InspectorProfiler | undefined;
  return {
    nodeFlags: [`--inspect=127.0.0.1:${port}`],
    attach: async () => void (inspector = await InspectorProfiler.connect(port)),
    profiled: async (step, act) => {
      if (!inspector) return act();
      await inspector.start();
      try {
        return await act();
      } finally {
        // A profile of a process that died cannot be had: its summary is simply missing.
        const profile = await inspector.stop().catch(() => undefined);
        if (profile) {
          const file = join(dir, `${label}-${step}.cpuprofile`);
          await writeFile(file, JSON.stringify(profile));
          summaries[step] = { file, ...summarizeProfile(profile) };
        }
      }
    },
    summaries,
    close: () => inspector?.close(),
  };
}
