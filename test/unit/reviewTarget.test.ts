// Which task Approve (and any command in a review editor's title bar) acts on. Two tasks may share a title
// (a worker's request makes titles), so the task is found by the id its editor carries; by title only when
// one task has it, and never the first of several.
import { strict as assert } from 'node:assert';
import { REVIEW_DIFF_SCHEME, taskOfEditor, taskOfResource, type ResourceParts, type ReviewTask } from '../../src/extension/reviewTarget';

const tasks: ReviewTask[] = [
  { id: 'alpha-1', reviewTitle: 'Review: Alpha', worktree: '/repo/.baton/worktrees/alpha-1' },
  { id: 'alpha-2', reviewTitle: 'Review: Alpha', worktree: '/repo/.baton/worktrees/alpha-2' },
  { id: 'beta', reviewTitle: 'Review: Beta', worktree: '/repo/.baton/worktrees/beta' },
];
const uri = (scheme: string, path: string, query = ''): ResourceParts => ({ scheme, path, query });
/** What vscode.changes gives a multi-file diff: a resource of its own that names nothing. */
const anonymous = uri('multi-diff-editor', '/0.123');

describe('The task of a review editor', () => {
  it("is the id in the review diff's own resource, though another task has the same title", () => {
    assert.deepEqual(taskOfEditor(uri(REVIEW_DIFF_SCHEME, '/alpha-2'), { label: 'Review: Alpha', resources: [] }, tasks), { id: 'alpha-2' });
  });

  it('is the task whose files the tab shows when the resource names none', () => {
    const tab = {
      label: 'Review: Alpha',
      resources: [uri('baton-base', '/a.txt', 'task=alpha-2&commit=abc'), uri('file', '/repo/.baton/worktrees/alpha-2/a.txt')],
    };
    assert.deepEqual(taskOfEditor(anonymous, tab, tasks), { id: 'alpha-2' });
  });

  it('is ambiguous, not the first task, when only a title shared by two tasks is known', () => {
    assert.deepEqual(taskOfEditor(anonymous, { label: 'Review: Alpha (2 files)', resources: [] }, tasks), { ambiguous: ['alpha-1', 'alpha-2'] });
    assert.deepEqual(taskOfEditor(anonymous, { label: 'Review: Beta (2 files)', resources: [] }, tasks), { id: 'beta' }, 'a title one task has is enough');
    assert.equal(taskOfEditor(anonymous, { label: 'notes.md', resources: [] }, tasks), undefined);
  });

  it("reads ids only from Baton's own resources, and only ids of the plan's tasks", () => {
    assert.equal(taskOfResource(uri('baton-review', '/beta/Review beta.md'), tasks), 'beta');
    assert.equal(taskOfResource(uri('file', '/repo/.baton/worktrees/beta'), tasks), 'beta');
    assert.equal(taskOfResource(uri('file', '/repo/.baton/worktrees/beta-2/x'), tasks), undefined, 'a prefix of another folder is not the task');
    assert.equal(taskOfResource(uri('file', '/repo/src/a.ts', 'task=beta'), tasks), undefined, "a file's query names no task");
    assert.equal(taskOfResource(uri(REVIEW_DIFF_SCHEME, '/gamma'), tasks), undefined, 'not in the plan');
  });
});
