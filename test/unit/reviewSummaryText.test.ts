// The review summary (a Markdown document VS Code previews) shows what the worker wrote as text: its
// summary, a commit subject and a file name cannot become an image that loads (a beacon) or a link.
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureWorktree } from '../../src/core/git/worktrees';
import { parsePlan } from '../../src/core/plan/parse';
import { BatonLayout } from '../../src/core/run/layout';
import { updateResult } from '../../src/core/run/result';
import { gatherReview, reviewMarkdown } from '../../src/core/run/reviewSummary';
import { git, makeRepo } from './workspaceRepo';

const PLAN = 'version: 1\nname: Words\nbase: main\ntasks:\n  - id: t\n    title: T\n';
const BEACON = '![x](https://127.0.0.1:1/beacon.png)';

describe('Review summary of worker text', () => {
  it('shows images and links the worker wrote as text', async () => {
    const repo = makeRepo(PLAN);
    const layout = new BatonLayout(repo);
    layout.ensureRunDir('t');
    const wt = layout.worktree('t');
    await ensureWorktree(repo, 't', 'main', wt);
    const odd = 'a``![y](beacon.png)``.txt';
    writeFileSync(join(wt, odd), 'x\n');
    git(wt, 'add', '-A');
    git(wt, 'commit', '-qm', `Done ${BEACON}`);
    await updateResult(layout, 't', { status: 'done', summary: `All done ${BEACON} [approve](command:baton.approveTask)`, not_done: BEACON });
    const { plan } = parsePlan(PLAN, join(repo, 'baton.yaml'));
    const md = reviewMarkdown(await gatherReview(layout, plan.tasks[0], 'main', 'review'));
    assert.match(md, /> All done !\\\[x\\\]\(https:\/\/127\.0\.0\.1:1\/beacon\.png\) \\\[approve\\\]\(command:baton\.approveTask\)/);
    assert.doesNotMatch(md, /(^|[^\\])!\[x\]/m, 'no image in the summary, not-done or the commits');
    assert.ok(md.includes('``` a``![y](beacon.png)``.txt ```'), `a file name stays in its code span:\n${md}`);
  });
});
