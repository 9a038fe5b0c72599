// Check Setup: the same checks as `baton doctor`, shown as a read-only Markdown page (`baton-setup:`), with
// a notification whose buttons make the fixes Baton can make itself; each asks first.
import * as vscode from 'vscode';
import { claudeConfigFile, recordTrust } from '../../core/agents/claudeTrust';
import type { AgentProfile } from '../../core/agents/profiles';
import { commitPlanAsFirstCommit, runDoctor, verdict, type SetupAction, type SetupReport } from '../../core/setup/doctor';
import type { PlanSource } from '../planSource';
import { actionLabel, offeredActions, setupMarkdown } from '../setupReport';
import { ensureTrusted } from '../workspaceTrust';
import { personSandbox } from '../workers';

export const SETUP_URI = vscode.Uri.from({ scheme: 'baton-setup', path: '/Check Setup.md' });

export function registerCheckSetup(context: vscode.ExtensionContext, planSource: PlanSource): void {
  const changed = new vscode.EventEmitter<vscode.Uri>();
  let shown: string | undefined;
  const provider: vscode.TextDocumentContentProvider = {
    onDidChange: changed.event,
    provideTextDocumentContent: () => shown ?? `# ${vscode.l10n.t('Baton: Check Setup')}\n\n${vscode.l10n.t('Run "Baton: Check Setup" to check whether a worker can start here.')}\n`,
  };
  let last: SetupReport | undefined;

  /** Runs every check, shows the page and the fixes; returns the report (undefined in Restricted Mode). */
  const checkSetup = async (): Promise<SetupReport | undefined> => {
    // The checks run programs (git, the agent's command from settings, Baton's hook): not in Restricted Mode.
    if (!ensureTrusted(vscode.l10n.t('check the setup'))) return undefined;
    const planUri = planSource.planUri;
    if (!planUri) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Baton: open a folder first: Check Setup looks at its git repository and plan.'));
      return undefined;
    }
    const snapshot = planSource.current;
    const config = vscode.workspace.getConfiguration('baton');
    const report = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Baton: checking the setup') }, () =>
      runDoctor({
        planFile: planUri.fsPath,
        // An unsaved plan editor is the plan as the person sees it.
        planText: snapshot?.uri.toString() === planUri.toString() ? snapshot.text : undefined,
        agents: config.get<Record<string, Partial<AgentProfile>>>('agents', {}),
        batonCommand: [process.execPath, context.asAbsolutePath('dist/cli.js')],
        // Inside desktop VS Code the extension host's executable is Electron: make it behave as Node, as workers do.
        batonEnv: { ELECTRON_RUN_AS_NODE: '1' },
        trustWorktrees: config.get<string>('claude.trustWorktrees', 'ask'),
        sandbox: personSandbox(config),
      }),
    );
    last = report;
    shown = setupMarkdown(report, vscode.workspace.asRelativePath(planUri, false));
    changed.fire(SETUP_URI);
    await showPage();
    offerFixes(report);
    return report;
  };

  const fixSetup = async (action: SetupAction): Promise<boolean> => {
    if (!last || !ensureTrusted(vscode.l10n.t('change the setup'))) return false;
    const done = await applyFix(action, last);
    if (done) await checkSetup();
    return done;
  };

  context.subscriptions.push(
    changed,
    vscode.workspace.registerTextDocumentContentProvider(SETUP_URI.scheme, provider),
    vscode.commands.registerCommand('baton.checkSetup', checkSetup),
    vscode.commands.registerCommand('baton.fixSetup', fixSetup),
  );
}

async function showPage(): Promise<void> {
  try {
    await vscode.commands.executeCommand('markdown.showPreview', SETUP_URI);
  } catch {
    // The built-in Markdown extension can be disabled: the Markdown text reads well enough.
    await vscode.window.showTextDocument(SETUP_URI, { preview: true });
  }
}

function offerFixes(report: SetupReport): void {
  const actions = offeredActions(report);
  const again = vscode.l10n.t('Check Again');
  const buttons = [...actions.map(actionLabel), again];
  // The verdict comes from the engine, in the words `baton doctor` prints.
  const message = !actions.length
    ? vscode.l10n.t('Baton: {0}', verdict(report))
    : actions.length === 1
      ? vscode.l10n.t('Baton: {0} Baton can make one fix itself:', verdict(report))
      : vscode.l10n.t('Baton: {0} Baton can make {1} fixes itself:', verdict(report), actions.length);
  const shown = report.ok ? vscode.window.showInformationMessage(message, ...buttons) : vscode.window.showWarningMessage(message, ...buttons);
  void shown.then((choice) => {
    if (choice === again) return vscode.commands.executeCommand('baton.checkSetup');
    const action = actions.find((a) => actionLabel(a) === choice);
    return action ? vscode.commands.executeCommand('baton.fixSetup', action) : undefined;
  });
}

/** Makes one fix after the person agrees to exactly what it changes. */
async function applyFix(action: SetupAction, report: SetupReport): Promise<boolean> {
  try {
    switch (action) {
      case 'create-plan':
        return (await vscode.commands.executeCommand('baton.createPlan')) !== undefined;
      case 'record-trust': {
        if (!report.root) return false;
        const file = claudeConfigFile();
        const yes = vscode.l10n.t('Trust Repository');
        const answer = await vscode.window.showInformationMessage(
          vscode.l10n.t(
            'Record in Claude Code\'s config ({0}) that you trust {1}? Claude Code then stops asking "Do you trust the files in this folder?" there and in every worktree Baton makes from it. Only that entry changes.',
            file,
            report.root,
          ),
          { modal: true },
          yes,
        );
        if (answer !== yes) return false;
        await recordTrust(file, report.root);
        return true;
      }
      case 'first-commit': {
        if (!report.root) return false;
        const plan = vscode.workspace.asRelativePath(report.planFile, false);
        const yes = vscode.l10n.t('Commit the Plan');
        const answer = await vscode.window.showInformationMessage(
          vscode.l10n.t(
            "Make the repository's first commit with only {0} in it, as you (your git identity)? Nothing else is staged or committed: commit the files workers should start from yourself.",
            plan,
          ),
          { modal: true },
          yes,
        );
        if (answer !== yes) return false;
        await commitPlanAsFirstCommit(report.root, report.planFile);
        return true;
      }
    }
  } catch (err) {
    void vscode.window.showErrorMessage(vscode.l10n.t('Baton could not make the fix "{0}": {1}', actionLabel(action), (err as Error).message));
    return false;
  }
}
