import { describe, expect, it } from 'vitest';
import { createPullcheckSession, MAX_PROBES_PER_REQUEST } from '../../../src/domain/pullcheck/pullcheck-ports.js';

describe('one pull check’s registry probes', () => {
  it(`sends at most ${MAX_PROBES_PER_REQUEST} distinct probes; past that a probe answers unreachable and says why, and repeats cost nothing`, async () => {
    let sent = 0;
    const session = createPullcheckSession({
      readSecret: async () => undefined,
      readServiceAccount: async () => undefined,
      listPullSecretNames: async () => [],
      probe: { probe: async () => (sent++, { outcome: 'pulls', detail: 'the manifest is there' }) },
    });
    const target = (i: number) => ({ registry: 'registry.example.com', repository: `team/app-${i}`, reference: 'v1' });
    const answers = await Promise.all(Array.from({ length: MAX_PROBES_PER_REQUEST + 5 }, (_, i) => session.probe(target(i))));
    expect(sent).toBe(MAX_PROBES_PER_REQUEST);
    expect(session.probes()).toBe(MAX_PROBES_PER_REQUEST);
    expect(answers.filter((a) => a.outcome === 'pulls')).toHaveLength(MAX_PROBES_PER_REQUEST);
    expect(answers.at(-1)).toMatchObject({ outcome: 'unreachable', detail: expect.stringMatching(/already asked the registries/) });
    await session.probe(target(0));
    expect(sent).toBe(MAX_PROBES_PER_REQUEST);
  });
});
