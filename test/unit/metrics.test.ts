// Metrics of a run: tokens and cost from a Claude Code transcript, active / waiting / wall time from
// events, the Run Report, `baton report [--json]`, and the archive of a finished run.
import { strict as assert } from 'node:assert';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { archiveIfComplete, archiveRun, ArchiveRefused, pastRuns } from '../../src/core/run/archive';
import { appendEvent, type RunEvent } from '../../src/core/run/events';
import { transcriptTokens } from '../../src/core/run/hookIntake';
import { BatonLayout } from '../../src/core/run/layout';
import { RunStore } from '../../src/core/run/runStore';
import { metricsFromEvents } from '../../src/core/run/metrics';
import { renderRunReport } from '../../src/core/run/runReport';
import { DEFAULT_PRICES, parsePrices, sumUsage, transcriptUsage, usageCost } from '../../src/core/run/usage';
import { readYamlPlan } from '../../src/core/plan/yamlPlan';
import { makeRepo, planYaml, runCli } from './workspaceRepo';

const FIXTURE = join(__dirname, 'fixtures', 'transcript.jsonl');

// By hand from the fixture: msg_01AbCdEf is written twice (two content blocks, one usage) and counts
// once; the torn last line does not count.
//   sonnet: input 4+6 = 10, output 85+410 = 495, cache write 1200+350 = 1550, cache read 14000+15200 = 29200
//   haiku:  input 220, output 12
// Cost: sonnet (10×3 + 495×15 + 1550×3.75 + 29200×0.3) / 1e6 = 0.0220275
//       haiku  (220×1 + 12×5) / 1e6 = 0.00028          total 0.0223075 US dollars
const SONNET = { input: 10, output: 495, cacheWrite: 1550, cacheRead: 29200 };
const HAIKU = { input: 220, output: 12, cacheWrite: 0, cacheRead: 0 };
const COST = 0.0223075;
const TOTAL = 10 + 495 + 1550 + 29200 + 220 + 12;

// Two AI pre-reviews of the task, as preReview.ts records them (one failed after reading: it still cost):
//   opus:  input 1000, output 200 → (1000×5 + 200×25) / 1e6 = 0.01
//   haiku: input 500, output 100  → (500×1 + 100×5) / 1e6 = 0.001
const REVIEW_USAGE = { 'claude-opus-4-5-20251101': { input: 1000, output: 200, cacheWrite: 0, cacheRead: 0 } };
const FAILED_REVIEW_USAGE = { 'claude-haiku-4-5-20251001': { input: 500, output: 100, cacheWrite: 0, cacheRead: 0 } };
const REVIEW_TOKENS = 1800;
const REVIEW_COST = 0.011;
function preReviews(): RunEvent[] {
  return [
    { type: 'pre-review:start', at: '2026-01-05T10:14:10.000Z', commit: 'abc' },
    { type: 'pre-review', at: '2026-01-05T10:15:00.000Z', status: 'failed', commit: 'abc', error: 'the reviewer exited with code 1', usage: FAILED_REVIEW_USAGE },
    { type: 'pre-review', at: '2026-01-05T10:16:00.000Z', status: 'done', commit: 'abc', usage: REVIEW_USAGE },
  ];
}

function plan(tasks = '  - {id: ui-form, title: Contact form, estimate: 30m}\n') {
  return readYamlPlan(planYaml(tasks), 'baton.yaml').plan;
}

/** One task's life: work, a permission question, more work, changes requested, gates, approval. */
function lifeOfATask(transcript: string): RunEvent[] {
  const L = { launch: 'L1' };
  const at = (hms: string) => `2026-01-05T${hms}.000Z`;
  return [
    { type: 'prepare', at: at('10:00:00'), ...L },
    { type: 'launch', at: at('10:00:01'), ...L },
    { type: 'hook:SessionStart', at: at('10:00:02'), session: 's1', ...L },
    { type: 'hook:UserPromptSubmit', at: at('10:00:03'), session: 's1', ...L }, // working from here
    { type: 'hook:PreToolUse', at: at('10:01:03'), session: 's1', ...L },
    { type: 'hook:Notification', at: at('10:02:03'), notification: 'permission_prompt', session: 's1', ...L }, // 120 s of work, then waiting
    { type: 'hook:PreToolUse', at: at('10:05:03'), session: 's1', ...L }, // 180 s waiting, working again
    { type: 'hook:Stop', at: at('10:06:03'), session: 's1', transcript, usage: { 'claude-sonnet-4-5-20250929': { input: 1, output: 1, cacheWrite: 0, cacheRead: 0 } }, ...L }, // 60 s
    { type: 'hook:Notification', at: at('10:06:33'), activity: 'Finished its turn', session: 's1', ...L }, // the idle prompt: nobody asked anything
    { type: 'changes-requested', at: at('10:09:00'), feedback: 'Validate the email' },
    { type: 'hook:UserPromptSubmit', at: at('10:10:00'), session: 's1', ...L }, // working again
    { type: 'hook:Stop', at: at('10:12:00'), session: 's1', transcript, usage: { 'claude-sonnet-4-5-20250929': { input: 1, output: 1, cacheWrite: 0, cacheRead: 0 } }, ...L }, // 120 s
    { type: 'exit', at: at('10:12:30'), code: 0, ...L },
    { type: 'gates', at: at('10:13:00'), passed: false, results: [{ command: 'npm test', exit_code: 1 }] },
    { type: 'gates', at: at('10:14:00'), passed: true, results: [{ command: 'npm test', exit_code: 0 }] },
    { type: 'merged', at: at('10:20:00'), sha: 'abc' },
    { type: 'approved', at: at('10:20:00'), sha: 'abc' },
  ];
}

describe('metrics', () => {
  it('reads tokens per model from a Claude Code transcript, once per reply, and prices them', () => {
    const usage = transcriptUsage(FIXTURE)!;
    assert.deepEqual(usage, { 'claude-sonnet-4-5-20250929': SONNET, 'claude-haiku-4-5-20251001': HAIKU });
    assert.equal(transcriptTokens(FIXTURE), TOTAL);
    assert.ok(Math.abs(usageCost(usage) - COST) < 1e-12, String(usageCost(usage)));
    assert.deepEqual(sumUsage(usage), { input: 230, output: 507, cacheWrite: 1550, cacheRead: 29200 });
  });

  it('takes prices from the setting, merged over the defaults, and says what is wrong with bad ones', () => {
    const prices = parsePrices('{"claude-sonnet-4-5": {"input": 6, "output": 30}}');
    // 10×6 + 495×30 + 1550×7.5 + 29200×0.6 (cache prices follow the input price) + haiku as before
    const expected = (60 + 14850 + 11625 + 17520) / 1e6 + 0.00028;
    assert.ok(Math.abs(usageCost(transcriptUsage(FIXTURE)!, prices) - expected) < 1e-12);
    assert.equal(prices['claude-opus-4'], DEFAULT_PRICES['claude-opus-4']);
    assert.throws(() => parsePrices('{"claude-sonnet-4": {"input": "three"}}'), /"input" of "claude-sonnet-4" must be a number of US dollars per million tokens/);
    assert.throws(() => parsePrices('not json'), /Prices must be JSON/);
  });

  it('measures wall, active and waiting time, gate runs and changes requested from the events', () => {
    const m = metricsFromEvents(lifeOfATask(FIXTURE), plan(), 'ui-form', { now: new Date('2026-01-05T12:00:00Z') });
    assert.equal(m.wallSeconds, 20 * 60);
    assert.equal(m.activeSeconds, 120 + 60 + 120);
    assert.equal(m.waitingSeconds, 180);
    assert.equal(m.launches, 1);
    assert.equal(m.gateRuns, 2);
    assert.equal(m.gateFailures, 1);
    assert.equal(m.changesRequested, 1);
    assert.equal(m.approved, true);
    assert.equal(m.estimateHours, 0.5);
    assert.equal(m.actualHours, 1 / 3);
    // One session, recorded at two Stops: counted once, read fresh from its transcript.
    assert.equal(m.tokens.total, TOTAL);
    assert.ok(Math.abs(m.cost - COST) < 1e-12);
    assert.deepEqual(m.models, ['claude-haiku-4-5-20251001', 'claude-sonnet-4-5-20250929']);
    assert.deepEqual(
      m.periods.map((p) => [p.kind, p.start.slice(11, 19), p.end.slice(11, 19)]),
      [
        ['active', '10:00:03', '10:02:03'],
        ['waiting', '10:02:03', '10:05:03'],
        ['active', '10:05:03', '10:06:03'],
        ['active', '10:10:00', '10:12:00'],
      ],
    );
  });

  it("adds the AI pre-reviews' tokens and cost to the task's, and gives their share on its own", () => {
    const m = metricsFromEvents([...lifeOfATask(FIXTURE), ...preReviews()], plan(), 'ui-form');
    assert.equal(m.tokens.total, TOTAL + REVIEW_TOKENS);
    assert.equal(m.tokens.input, 230 + 1500);
    assert.ok(Math.abs(m.cost - (COST + REVIEW_COST)) < 1e-12, String(m.cost));
    assert.equal(m.preReviewTokens, REVIEW_TOKENS);
    assert.ok(Math.abs(m.preReviewCost - REVIEW_COST) < 1e-12, String(m.preReviewCost));
    assert.deepEqual(m.models, ['claude-haiku-4-5-20251001', 'claude-opus-4-5-20251101', 'claude-sonnet-4-5-20250929']);
    const without = metricsFromEvents(lifeOfATask(FIXTURE), plan(), 'ui-form');
    assert.equal(without.preReviewTokens, 0);
    assert.equal(without.preReviewCost, 0);
  });

  it('a pre-review recorded without usage, or with usage it cannot read, adds nothing', () => {
    const base = metricsFromEvents(lifeOfATask(FIXTURE), plan(), 'ui-form');
    const odd: RunEvent[] = [
      { type: 'pre-review', at: '2026-01-05T10:15:00.000Z', status: 'done', commit: 'abc' },
      { type: 'pre-review', at: '2026-01-05T10:15:01.000Z', status: 'done', commit: 'abc', usage: 'lots' },
      { type: 'pre-review', at: '2026-01-05T10:15:02.000Z', status: 'done', commit: 'abc', usage: [{ input: 5 }] },
      { type: 'pre-review', at: '2026-01-05T10:15:03.000Z', status: 'done', commit: 'abc', usage: { 'claude-opus-4-5': null, m: 7, n: { input: -5, output: '12', cacheRead: null } } },
    ];
    const m = metricsFromEvents([...lifeOfATask(FIXTURE), ...odd], plan(), 'ui-form');
    assert.deepEqual(m.tokens, base.tokens);
    assert.equal(m.cost, base.cost);
    assert.deepEqual(m.models, base.models);
    assert.equal(m.preReviewTokens, 0);
    assert.equal(m.preReviewCost, 0);
  });

  it('uses the usage recorded at Stop when the transcript is gone', () => {
    const m = metricsFromEvents(lifeOfATask('/nowhere/gone.jsonl'), plan(), 'ui-form');
    assert.equal(m.tokens.total, 2);
  });

  it('counts a live worker up to now, and a blocked worker as waiting until the reply', () => {
    const at = (hms: string) => `2026-01-05T${hms}.000Z`;
    const events: RunEvent[] = [
      { type: 'launch', at: at('09:00:00') },
      { type: 'hook:UserPromptSubmit', at: at('09:00:10') },
      { type: 'report:blocked', at: at('09:01:10'), reason: 'Which API?' },
      { type: 'reply', at: at('09:03:10'), text: 'The v2 one' },
      { type: 'hook:UserPromptSubmit', at: at('09:03:11') },
    ];
    const m = metricsFromEvents(events, plan(), 'ui-form', { now: new Date(at('09:05:11')) });
    assert.equal(m.approved, false);
    assert.equal(m.wallSeconds, 311);
    assert.equal(m.activeSeconds, 60 + 120);
    assert.equal(m.waitingSeconds, 120);
  });

  it('renders the Run Report: a row per task, estimate against actual as bars, the timeline image', () => {
    const p = plan('  - {id: ui-form, title: Contact form, estimate: 30m}\n  - {id: api, title: "Send | mail", estimate: 1h, deps: [ui-form]}\n');
    const ui = metricsFromEvents([...lifeOfATask(FIXTURE), ...preReviews()], p, 'ui-form');
    const api = metricsFromEvents([], p, 'api');
    const { markdown, timelineSvg } = renderRunReport({
      plan: 'Test',
      generatedAt: '2026-01-05T12:00:00.000Z',
      tasks: [ui, api],
      totals: { tasks: 2, approved: 1, wallSeconds: 1200, activeSeconds: 300, waitingSeconds: 180, tokens: ui.tokens, cost: ui.cost, preReviewTokens: ui.preReviewTokens, preReviewCost: ui.preReviewCost, gateRuns: 2, changesRequested: 1, estimateHours: 1.5, actualHours: 1 / 3 },
    });
    assert.match(markdown, /^# Run Report: Test/);
    assert.match(markdown, /\| `ui-form` Contact form \| approved \| 20m 00s \| 5m 00s \| 3m 00s \| 33\.3k \(1\.8k pre-review\) \| \$0\.03 \| 2 \(1 failed\) \| 1 \| 30m \| 20m \|/);
    assert.match(markdown, /\| Tokens \(input \/ output \/ cache write \/ cache read\) \| 33\.3k \([^)]*\), 1\.8k of them AI pre-review \|/);
    assert.match(markdown, /\| Cost \| \$0\.03 \(\$0\.01 AI pre-review\) \|/);
    assert.match(markdown, /\| `api` Send \\\| mail \| not started \| [^|]*\| [^|]*\| [^|]*\| 0 \|/, 'no pre-review share where there was none');
    // One scale for every bar: the longest (api's 1h estimate) is 40 wide.
    assert.ok(markdown.includes(['ui-form  est  ' + '#'.repeat(20) + ' '.repeat(20) + '  30m', '         act  ' + '='.repeat(13) + ' '.repeat(27) + '  20m', 'api      est  ' + '#'.repeat(40) + '  1h'].join('\n')));
    assert.match(markdown, /!\[Timeline[^\]]*\]\(timeline\.svg\)/);
    assert.match(timelineSvg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.equal((timelineSvg.match(/fill="#2e9e44"/g) ?? []).length, 3, 'three periods of work');
    assert.equal((timelineSvg.match(/fill="#e8891c"/g) ?? []).length, 1, 'one wait');
  });
});

describe('baton report and archive', () => {
  function repoWithRun(approveAll: boolean) {
    const dir = makeRepo(planYaml('  - {id: ui-form, title: Contact form, estimate: 30m}\n  - {id: api, title: Send mail, deps: [ui-form]}\n'));
    const layout = new BatonLayout(dir);
    const transcripts = mkdtempSync(join(tmpdir(), 'baton-transcript-'));
    const transcript = join(transcripts, 'session.jsonl');
    copyFileSync(FIXTURE, transcript);
    layout.ensureRunDir('ui-form');
    for (const e of lifeOfATask(transcript)) appendEvent(layout.events('ui-form'), e);
    writeFileSync(layout.prompt('ui-form'), 'Build the contact form.\n');
    writeFileSync(join(layout.runDir('ui-form'), 'result.json'), '{"status":"done","summary":"Form"}\n');
    mkdirSync(join(layout.runDir('ui-form'), 'gates'));
    writeFileSync(join(layout.runDir('ui-form'), 'gates', '1.log'), 'ok\n');
    layout.ensureRunDir('api');
    appendEvent(layout.events('api'), { type: 'launch', at: '2026-01-05T10:21:00.000Z', launch: 'L2' });
    appendEvent(layout.events('api'), { type: 'exit', at: '2026-01-05T10:30:00.000Z', code: 0, launch: 'L2' });
    if (approveAll) appendEvent(layout.events('api'), { type: 'approved', at: '2026-01-05T10:40:00.000Z' });
    // Not a task of this plan: never archived, never removed.
    layout.ensureRunDir('other');
    writeFileSync(layout.events('other'), '{"type":"launch","at":"2026-01-05T10:00:00.000Z"}\n');
    return { dir, layout };
  }

  it('baton report --json gives per-task and plan metrics; baton report prints the Markdown report', async () => {
    const { dir, layout } = repoWithRun(false);
    for (const e of preReviews()) appendEvent(layout.events('api'), e);
    const json = await runCli(dir, ['report', '--json']);
    assert.equal(json.status, 0, json.stderr);
    const m = JSON.parse(json.stdout);
    assert.equal(m.plan, 'Test');
    assert.deepEqual(Object.keys(m.totals).sort(), ['activeSeconds', 'actualHours', 'approved', 'changesRequested', 'cost', 'endedAt', 'estimateHours', 'gateRuns', 'preReviewCost', 'preReviewTokens', 'startedAt', 'tasks', 'tokens', 'waitingSeconds', 'wallSeconds'].sort());
    const ui = m.tasks.find((t: { task: string }) => t.task === 'ui-form');
    assert.equal(ui.tokens.total, TOTAL);
    assert.equal(ui.activeSeconds, 300);
    assert.equal(ui.waitingSeconds, 180);
    assert.equal(ui.gateRuns, 2);
    assert.ok(Math.abs(ui.cost - COST) < 1e-12);
    assert.equal(ui.preReviewTokens, 0);
    const api = m.tasks.find((t: { task: string }) => t.task === 'api');
    assert.equal(api.tokens.total, REVIEW_TOKENS, "the pre-reviews are the api task's only tokens");
    assert.equal(api.preReviewTokens, REVIEW_TOKENS);
    assert.equal(m.totals.tokens.total, TOTAL + REVIEW_TOKENS);
    assert.equal(m.totals.preReviewTokens, REVIEW_TOKENS);
    assert.ok(Math.abs(m.totals.cost - (COST + REVIEW_COST)) < 1e-12);
    assert.ok(Math.abs(m.totals.preReviewCost - REVIEW_COST) < 1e-12);
    assert.equal(m.totals.approved, 1);

    const priced = JSON.parse((await runCli(dir, ['report', '--json'], { BATON_PRICES: '{"claude-sonnet-4-5":{"input":0,"output":0,"cacheWrite":0,"cacheRead":0}}' })).stdout);
    assert.ok(Math.abs(priced.totals.cost - 0.00028 - REVIEW_COST) < 1e-12, 'BATON_PRICES sets the sonnet price to zero: only haiku and the pre-reviews cost');
    const bad = await runCli(dir, ['report'], { BATON_PRICES: '{' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /BATON_PRICES: Prices must be JSON/);

    const md = await runCli(dir, ['report']);
    assert.equal(md.status, 0, md.stderr);
    assert.match(md.stdout, /# Run Report: Test\n/);
    assert.match(md.stdout, /\| `ui-form` Contact form \| approved \|/);
    assert.match(md.stdout, /\| `api` Send mail \| started \| [^|]*\| [^|]*\| [^|]*\| 1\.8k \(1\.8k pre-review\) \|/);

    // The worker-side subcommand is still there.
    const worker = await runCli(dir, ['report', 'blocked', 'why'], { BATON_TASK_ID: '', BATON_ROOT: '' });
    assert.equal(worker.status, 2);
    assert.match(worker.stderr, /report only works inside a Baton worker/);
    const typo = await runCli(dir, ['report', 'progess', '5']);
    assert.equal(typo.status, 2);
    assert.match(typo.stderr, /report takes a plan file \(\.yaml, \.yml, \.md\) for the Run Report, or inside a worker: blocked "reason" \| progress N\. "progess" is neither\./);
  });

  it('refuses to archive while a task is not approved, and touches nothing', async () => {
    const { dir, layout } = repoWithRun(false);
    const before = readdirSync(layout.runsDir).sort();
    const p = readYamlPlan(readFileSync(join(dir, 'baton.yaml'), 'utf8'), join(dir, 'baton.yaml')).plan;
    await assert.rejects(archiveRun(layout, p), (e: Error) => e instanceof ArchiveRefused && /Not every task is approved yet: api\./.test(e.message));
    const r = await archiveIfComplete(layout, p);
    assert.deepEqual(r, { archived: false, remaining: ['api'], kept: [] });
    const cli = await runCli(dir, ['archive']);
    assert.equal(cli.status, 1);
    assert.match(cli.stderr, /Not every task is approved yet: api\./);
    assert.deepEqual(readdirSync(layout.runsDir).sort(), before);
    assert.ok(!existsSync(join(layout.dir, 'archive')) || readdirSync(join(layout.dir, 'archive')).length === 0);
  });

  it('archives a finished run: everything copied, then only what was copied removed; status --past lists it', async () => {
    const { dir, layout } = repoWithRun(true);
    const p = readYamlPlan(readFileSync(join(dir, 'baton.yaml'), 'utf8'), join(dir, 'baton.yaml')).plan;
    const original = {
      events: readFileSync(layout.events('ui-form'), 'utf8'),
      prompt: readFileSync(layout.prompt('ui-form'), 'utf8'),
      gateLog: readFileSync(join(layout.runDir('ui-form'), 'gates', '1.log'), 'utf8'),
      api: readFileSync(layout.events('api'), 'utf8'),
    };
    const r = await archiveIfComplete(layout, p, { now: new Date('2026-01-05T11:00:00Z') });
    assert.equal(r.archived, true);
    assert.equal(r.dir, join(layout.dir, 'archive', 'test-2026-01-05'));
    const a = r.dir!;
    assert.equal(readFileSync(join(a, 'runs', 'ui-form', 'events.jsonl'), 'utf8'), original.events);
    assert.equal(readFileSync(join(a, 'runs', 'ui-form', 'prompt.md'), 'utf8'), original.prompt);
    assert.equal(readFileSync(join(a, 'runs', 'ui-form', 'gates', '1.log'), 'utf8'), original.gateLog);
    assert.equal(readFileSync(join(a, 'runs', 'ui-form', 'result.json'), 'utf8'), '{"status":"done","summary":"Form"}\n');
    assert.equal(readFileSync(join(a, 'runs', 'api', 'events.jsonl'), 'utf8'), original.api);
    assert.match(readFileSync(join(a, 'report.md'), 'utf8'), /2 of 2 tasks approved/);
    assert.match(readFileSync(join(a, 'timeline.svg'), 'utf8'), /^<svg/);
    assert.equal(JSON.parse(readFileSync(join(a, 'metrics.json'), 'utf8')).totals.tokens.total, TOTAL);
    assert.match(readFileSync(join(a, 'plan.yaml'), 'utf8'), /name: Test/);
    // Of the plan's run folders only the approval mark is left (new files naming the archive); another
    // task's folder is untouched; no temp folder is left.
    assert.deepEqual(readdirSync(layout.runsDir).sort(), ['api', 'other', 'ui-form']);
    for (const id of ['api', 'ui-form']) {
      assert.deepEqual(readdirSync(layout.runDir(id)).sort(), ['events.jsonl', 'heartbeat.json']);
      assert.deepEqual(readFileSync(layout.events(id), 'utf8').trim().split('\n').map((l) => JSON.parse(l)), [{ type: 'approved', at: '2026-01-05T11:00:00.000Z', archived: 'test-2026-01-05' }]);
    }
    assert.equal(readFileSync(layout.events('other'), 'utf8'), '{"type":"launch","at":"2026-01-05T10:00:00.000Z"}\n');
    assert.deepEqual(readdirSync(join(layout.dir, 'archive')), ['test-2026-01-05']);
    // The tasks still read as approved (nothing offers to start them again).
    const store = new RunStore(layout, () => 60);
    assert.equal(store.read('api')?.view.state, 'approved');
    assert.equal(store.read('ui-form')?.view.state, 'approved');
    const past = pastRuns(layout);
    assert.equal(past.length, 1);
    assert.equal(past[0].approved, 2);
    const cli = await runCli(dir, ['status', '--past', '--json']);
    assert.equal(cli.status, 0, cli.stderr);
    assert.deepEqual(JSON.parse(cli.stdout).map((x: { name: string }) => x.name), ['test-2026-01-05']);
    const text = await runCli(dir, ['status', '--past']);
    assert.match(text.stdout, /^test-2026-01-05 {2}2026-01-05 11:00 {2}2\/2 tasks/);

    // Archived once: asking again archives nothing more.
    assert.deepEqual(await archiveIfComplete(layout, p), { archived: false, remaining: [], kept: [] });
    await assert.rejects(archiveRun(layout, p), /already archived, in \.baton\/archive\/test-2026-01-05\//);
    assert.deepEqual(readdirSync(join(layout.dir, 'archive')), ['test-2026-01-05']);
  });
});
