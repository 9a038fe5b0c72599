// What every in-host test needs: the Baton extension and its API, the workspace folder, waiting for
// something asynchronous to show, and putting the workspace back as it was.
//
// The suite expects a single-folder workspace that starts with baton.yaml = resources/sample-plan.yaml
// (the plan "Baton: Create Plan" writes), so that activation by `workspaceContains:baton.yaml` is real.
import * as vscode from 'vscode';
import type { BatonApi } from '../../../src/extension/extension';

export const EXTENSION_ID = 'baton-dev.baton';

export function batonExtension(): vscode.Extension<BatonApi> {
  const ext = vscode.extensions.getExtension<BatonApi>(EXTENSION_ID);
  if (!ext) throw new Error(`${EXTENSION_ID} is not installed in this host`);
  return ext;
}

export async function batonApi(): Promise<BatonApi> {
  return batonExtension().activate();
}

export function folderUri(...path: string[]): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the host tests need a workspace folder');
  return vscode.Uri.joinPath(folder.uri, ...path);
}

export async function readText(uri: vscode.Uri): Promise<string> {
  return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
}

export async function writeText(uri: vscode.Uri, text: string): Promise<void> {
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
}

/** The sample plan shipped in the extension; the workspace's baton.yaml starts as this text. */
export function samplePlan(): Promise<string> {
  return readText(vscode.Uri.joinPath(batonExtension().extensionUri, 'resources', 'sample-plan.yaml'));
}

/** Polls `probe` until it returns something truthy; fails naming `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => T | Promise<T>,
  timeoutMs = 10_000,
): Promise<Exclude<T, false | 0 | '' | null | undefined>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as Exclude<T, false | 0 | '' | null | undefined>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** 0-based position of the first `needle` in `text` (after `after`, if given). */
export function positionOf(text: string, needle: string, after = ''): vscode.Position {
  const offset = text.indexOf(needle, after ? text.indexOf(after) : 0);
  if (offset < 0) throw new Error(`"${needle}" is not in the text`);
  const before = text.slice(0, offset).split('\n');
  return new vscode.Position(before.length - 1, before[before.length - 1].length);
}

/** A small plan in the Markdown "Phases" format. */
export const PHASES_PLAN = `# Contact form

### Phase 1: Project setup
**Dependencies**: None
**Files Modified**: \`package.json\`
**Estimated Hours**: 2
**Complexity**: Low

### Phase 2: Form component
**Dependencies**: Phase 1
**Files Modified**: \`src/components/ContactForm.tsx\`
**Estimated Hours**: 3
**Complexity**: Medium
`;

/** Points baton.planFile (workspace setting) at `path` and waits for Baton to follow. */
export async function usePlanFile(path: string): Promise<vscode.Uri> {
  const target = folderUri(...path.split('/'));
  await vscode.workspace.getConfiguration('baton').update('planFile', path, vscode.ConfigurationTarget.Workspace);
  const { planSource } = await batonApi();
  await waitFor(`the plan source to move to ${path}`, () => planSource.planUri?.toString() === target.toString());
  return target;
}

/** Undoes what a test did: unsaved edits, open editors, the plan setting and the plan itself. */
export async function resetWorkspace(): Promise<void> {
  for (const doc of vscode.workspace.textDocuments.filter((d) => d.isDirty && d.uri.scheme === 'file')) {
    // "Revert File" acts on the active editor, and a webview a test opened (Check Setup's page, say) can
    // take the focus back just after showTextDocument, more than once while it loads on a busy machine: try
    // until this document is clean, and say so if it stays unsaved (its editor closing below would save it).
    await waitFor(`the unsaved ${vscode.workspace.asRelativePath(doc.uri)} to be reverted`, async () => {
      if (!doc.isDirty) return true;
      await vscode.window.showTextDocument(doc);
      if (vscode.window.activeTextEditor?.document === doc) await vscode.commands.executeCommand('workbench.action.files.revert');
      return !doc.isDirty;
    });
  }
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  const config = vscode.workspace.getConfiguration('baton');
  if (config.inspect('planFile')?.workspaceValue !== undefined) {
    await config.update('planFile', undefined, vscode.ConfigurationTarget.Workspace);
  }
  const plan = folderUri('baton.yaml');
  const sample = await samplePlan();
  const open = () => vscode.workspace.textDocuments.filter((d) => d.uri.toString() === plan.toString());
  // A document VS Code still holds for the plan catches up with the disk on the file's change event, which
  // VS Code skips while it is still saving that document (the web workbench saves a test's edit by itself
  // after a second, and the document can show as saved before the save is over): under load a copy then kept
  // the test's text. No other event would come, so write the plan again until the copies follow.
  for (let attempt = 1; ; attempt++) {
    await writeText(plan, sample);
    try {
      await waitFor('open copies of the plan to match the disk', () => open().every((d) => d.getText() === sample), 3_000);
      break;
    } catch (err) {
      if (attempt === 3) throw err;
    }
  }
  const { planSource } = await batonApi();
  await waitFor('the plan source to follow the setting back to baton.yaml', () => planSource.planUri?.toString() === plan.toString());
  await planSource.reload();
  await waitFor('the plan source to read the sample plan', () => planSource.current?.text === sample);
}
