// Check Setup: the `baton doctor` checks run from inside the real extension host (its own Node, Baton's
// dist/cli.js as the hook command), shown as a Markdown page, with the fixes Baton can make offered.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { SetupReport } from '../../../src/core/setup/doctor';
import { batonApi, folderUri, resetWorkspace, waitFor } from './testWorkspace';

const SETUP_URI = vscode.Uri.from({ scheme: 'baton-setup', path: '/Check Setup.md' });

describe('Check Setup', () => {
  // Claude Code's config as this test sees it: a fresh one that trusts nothing, never the person's own.
  let configDir: string;
  const saved = process.env.CLAUDE_CONFIG_DIR;
  before(() => {
    configDir = mkdtempSync(join(tmpdir(), 'baton-claude-config-'));
    writeFileSync(join(configDir, '.claude.json'), '{}\n');
    process.env.CLAUDE_CONFIG_DIR = configDir;
  });
  after(async () => {
    if (saved === undefined) delete process.env.CLAUDE_CONFIG_DIR;
    else process.env.CLAUDE_CONFIG_DIR = saved;
    rmSync(configDir, { recursive: true, force: true });
    await vscode.commands.executeCommand('notifications.clearAll');
    await resetWorkspace();
  });

  it('shows every check as a page; Baton\'s hook round trip works from the extension host; trust is offered as a fix', async function () {
    this.timeout(60_000);
    const report = await vscode.commands.executeCommand<SetupReport>('baton.checkSetup');
    assert.ok(report, 'the command returns its report');
    const status = (id: string) => report.checks.find((c) => c.id === id);
    for (const id of ['git', 'repository', 'base', 'plan', 'baton-dir', 'hooks']) assert.equal(status(id)?.status, 'ok', `${id}: ${status(id)?.detail}`);
    assert.match(status('hooks')!.detail, /^A SessionStart hook reached Baton in \d+ ms\.$/);
    assert.equal(status('claude-trust')?.status, 'warn');
    assert.equal(status('claude-trust')?.action, 'record-trust');
    // Whether this machine's PATH has claude decides the agent check; either way it says what it found.
    const agent = status('agent')!;
    if (agent.status === 'ok') assert.match(agent.detail, /^Claude Code \d+\.\d+\.\d+ at \//);
    else assert.match(agent.fix ?? '', /Install Claude Code/);

    const text = (await vscode.workspace.openTextDocument(SETUP_URI)).getText();
    for (const part of ['# Baton: Check Setup', '| ✓ | Git | git ', '| ✓ | Hooks reach Baton |', '| ⚠ | Claude Code trust |', '## What to do', '**Baton can do this:** choose **Trust Repository for Claude Code**']) {
      assert.ok(text.includes(part), `the page includes ${part}\n${text}`);
    }
    await waitFor('the page to be open', () =>
      vscode.window.tabGroups.all.flatMap((g) => g.tabs).some((t) => t.label.includes('Check Setup')),
    );
    const baton = await vscode.workspace.fs.readDirectory(folderUri('.baton')).then(
      (entries) => entries.map(([name]) => name),
      () => [],
    );
    assert.ok(!baton.some((name) => name.startsWith('doctor-')), `the hook's scratch folder is gone: ${baton.join(', ')}`);
  });

  it('checks the plan as it is in the editor, unsaved errors included', async function () {
    this.timeout(60_000);
    const plan = folderUri('baton.yaml');
    const document = await vscode.workspace.openTextDocument(plan);
    await vscode.window.showTextDocument(document);
    const edit = new vscode.WorkspaceEdit();
    edit.insert(plan, new vscode.Position(document.lineCount, 0), '  - {id: extra, title: Extra, deps: [nowhere]}\n');
    assert.ok(await vscode.workspace.applyEdit(edit));
    const { planSource } = await batonApi();
    await waitFor('Baton to read the edit', () => planSource.current?.text.includes('nowhere'));
    const report = await vscode.commands.executeCommand<SetupReport>('baton.checkSetup');
    const planCheck = report?.checks.find((c) => c.id === 'plan');
    assert.equal(planCheck?.status, 'fail');
    assert.match(planCheck!.detail, /depends on "nowhere"/);
    assert.equal(report?.ok, false);
  });
});
