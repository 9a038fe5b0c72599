// Restricted Mode: Baton reads and shows the plan, but writes nothing and runs nothing. package.json
// hides the writing commands there; this check covers calls that bypass menus (keybindings, other extensions).
import * as vscode from 'vscode';

/** True in a trusted workspace; otherwise says why `action` is refused and offers to manage trust. */
export function ensureTrusted(action: string): boolean {
  if (vscode.workspace.isTrusted) return true;
  void vscode.window
    .showWarningMessage(`Baton can't ${action} in Restricted Mode: trust this workspace first.`, 'Manage Workspace Trust')
    .then((choice) => choice && vscode.commands.executeCommand('workbench.trust.manage'));
  return false;
}
