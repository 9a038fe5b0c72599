// TEST ONLY: lets the fault-injection tests stop a `baton` process at an exact step of an approval, to
// kill it there (SIGKILL) or to change the repository under it, then let it go on. Does nothing unless
// BATON_TEST_PAUSE_AT is set; no user-facing setting or command sets it.
//   BATON_TEST_PAUSE_AT=<step>     the step to stop at (see PauseStep)
//   BATON_TEST_PAUSE_FILE=<file>   written ("<step> <pid>") on arrival; the process goes on once it is deleted
import { existsSync, writeFileSync } from 'node:fs';

export type PauseStep =
  /** enqueue: the queue entry is written. */
  | 'queued'
  /** mergeOne: the merge commit exists; gates not run yet. */
  | 'merge-commit'
  /** advance: checks done, nothing moved yet. */
  | 'before-move'
  /** advance: the checked-out trees hold the merge; the base ref does not yet. */
  | 'tree-moved'
  /** advance: the base ref moved; the merge is not recorded yet. */
  | 'ref-moved'
  /** finishMerge: recorded and off the queue; the task's worktree is about to be removed. */
  | 'cleanup';

export async function testPause(step: PauseStep): Promise<void> {
  if (process.env.BATON_TEST_PAUSE_AT !== step) return;
  const file = process.env.BATON_TEST_PAUSE_FILE;
  if (!file) return;
  writeFileSync(file, `${step} ${process.pid}\n`);
  while (existsSync(file)) await new Promise((r) => setTimeout(r, 20));
}
