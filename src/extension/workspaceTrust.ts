// Restricted Mode: Baton reads and shows the plan, but writes nothing and runs nothing. package.json
// hides the writing commands there; this check covers calls that bypass menus (keybindings, other extensions).
import * as vscode from 'vscode';

/**
 * True in a trusted workspace; otherwise says why `action` is refused and offers to manage trust.
 * `action` is already localized: "start workers" in "Baton can't start workers in Restricted Mode".
 */
export function ensureTrusted(action: string): boolean {
  if (vscode.workspace.isTrusted) return true;
  const manage = vscode.l10n.t('Manage Workspace Trust');
  void vscode.window
    .showWarningMessage(vscode.l10n.t("Baton can't {0} in Restricted Mode: trust this workspace first.", action), manage)
    .then((choice) => choice === manage && vscode.commands.executeCommand('workbench.trust.manage'));
  return false;
}
