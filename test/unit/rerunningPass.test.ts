import { strict as assert } from 'node:assert';
import { RerunningPass } from '../../src/core/run/rerunningPass';

describe('RerunningPass (one merge or preview pass at a time)', () => {
  it('runs one pass at a time; calls meanwhile share it and make it run once more, with all results', async () => {
    let passes = 0;
    let running = 0;
    let most = 0;
    let release!: () => void;
    let gate = new Promise<void>((r) => (release = r));
    const seen: number[][] = [];
    const pass = new RerunningPass<number>(
      async () => {
        running++;
        most = Math.max(most, running);
        const n = ++passes;
        await gate;
        running--;
        return [n];
      },
      () => false,
      (all) => seen.push(all),
    );
    const first = pass.run();
    const second = pass.run();
    const third = pass.run();
    assert.equal(first, second);
    assert.equal(second, third);
    release();
    gate = Promise.resolve();
    assert.deepEqual(await first, [1, 2], 'two calls while running made one more pass, not two');
    assert.equal(most, 1, 'never two passes at once');
    assert.deepEqual(seen, [[1, 2]]);
    assert.deepEqual(await pass.run(), [3], 'a call after it finished starts a new run');
  });

  it('runs no further pass once stopped, and a failed pass rejects its callers and lets the next call run', async () => {
    let stopped = false;
    let passes = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const pass = new RerunningPass<number>(async () => {
      passes++;
      await gate;
      stopped = true;
      return [passes];
    }, () => stopped);
    const run = pass.run();
    void pass.run();
    release();
    assert.deepEqual(await run, [1]);
    assert.equal(passes, 1);

    const failing = new RerunningPass<number>(async () => {
      throw new Error('git failed');
    });
    await assert.rejects(failing.run(), /git failed/);
    await assert.rejects(failing.run(), /git failed/, 'the next call ran a pass of its own');
  });
});
