import { describe, expect, it } from 'vitest';
import { RolloutMeasure } from '../../src/controller/rollout-measure.js';

describe('how long a distribution’s token roll-outs take', () => {
  it('when the content written is reported rolled out, then the time since its write is the measure', () => {
    const rollouts = new RolloutMeasure();
    expect(rollouts.lastMs).toBeUndefined();
    rollouts.written('sha256:a', 1_000);
    rollouts.rolledOut('sha256:a', 136_000);
    expect(rollouts.lastMs).toBe(135_000);
    // Reported again (a status written twice): measured once.
    rollouts.rolledOut('sha256:a', 200_000);
    expect(rollouts.lastMs).toBe(135_000);
  });

  it('when other content is reported (a source regcred did not write), then nothing is measured', () => {
    const rollouts = new RolloutMeasure();
    rollouts.written('sha256:a', 0);
    rollouts.rolledOut('sha256:b', 5_000);
    expect(rollouts.lastMs).toBeUndefined();
  });

  it('when a roll-out is overtaken by the next write, then it is still measured from its own write, and older ones are dropped', () => {
    const rollouts = new RolloutMeasure();
    rollouts.written('sha256:a', 0);
    rollouts.written('sha256:b', 90_000);
    rollouts.written('sha256:c', 180_000);
    rollouts.rolledOut('sha256:b', 400_000);
    expect(rollouts.lastMs).toBe(310_000);
    rollouts.rolledOut('sha256:a', 410_000);
    expect(rollouts.lastMs).toBe(310_000);
    rollouts.rolledOut('sha256:c', 500_000);
    expect(rollouts.lastMs).toBe(320_000);
  });

  it('when many writes are never reported, then only the last four are kept', () => {
    const rollouts = new RolloutMeasure();
    for (let n = 0; n < 10; n++) rollouts.written(`sha256:${n}`, n * 1_000);
    rollouts.rolledOut('sha256:5', 50_000);
    expect(rollouts.lastMs).toBeUndefined();
    rollouts.rolledOut('sha256:6', 50_000);
    expect(rollouts.lastMs).toBe(44_000);
  });
});
