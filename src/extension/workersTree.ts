// The Workers view. Empty until workers exist, so its viewsWelcome text (package.json) explains them;
// a provider is still registered, or VS Code would say the view has no data provider.
import * as vscode from 'vscode';

export function registerWorkersView(context: vscode.ExtensionContext): void {
  const provider: vscode.TreeDataProvider<never> = {
    getChildren: () => [],
    getTreeItem: (node: never) => node,
  };
  context.subscriptions.push(vscode.window.createTreeView('baton.workers', { treeDataProvider: provider }));
}
