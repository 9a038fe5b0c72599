// The Graph panel: the plan as a live DAG in a webview beside the editor. The host lays the graph out
// (core/graph) and sends positions and states; the webview (webview-ui/) only draws and reports clicks.
// Messages are the typed protocol in graphProtocol.ts; anything else from the webview is dropped and logged.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { buildGraphView } from '../core/graph/graphView';
import { LayoutCache } from '../core/graph/layout';
import { renderSvg } from '../core/graph/svg';
import type { Analysis } from '../core/graph/analysis';
import type { Plan, PlanDiagnostic } from '../core/plan/model';
import { LIVE_STATES, planStates } from '../core/run/states';
import { TEAM_TASK_ID } from '../core/run/teamPlan';
import { GRAPH_ACTIONS, parseFromWebview, type TaskLive, type ToWebview } from '../graphProtocol';
import { actionsFor } from './graphActions';
import type { PlanSnapshot, PlanSource } from './planSource';
import { stateLabel } from './taskStateIcons';
import type { TasksTree } from './tasksTree';
import type { Workers } from './workers';

export const GRAPH_VIEW_TYPE = 'baton.graph';
const ACTIVITY_CHARS = 40;
const ECHO_MS = 1500;
/** Where to open the plan so it does not cover the graph: beside it when the graph is the active tab. */
export function columnBesideGraph(): vscode.ViewColumn | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  return input instanceof vscode.TabInputWebview && input.viewType.endsWith(GRAPH_VIEW_TYPE) ? vscode.ViewColumn.Beside : undefined;
}

export function registerGraphPanel(
  context: vscode.ExtensionContext,
  planSource: PlanSource,
  workers: Workers,
  tasksTree: TasksTree,
  log: vscode.LogOutputChannel,
): void {
  const cache = new LayoutCache();
  let current: GraphPanel | undefined;
  const open = (panel: vscode.WebviewPanel) => {
    current?.dispose();
    current = new GraphPanel(context, panel, planSource, workers, tasksTree, cache, log);
    panel.onDidDispose(() => {
      if (current?.panel === panel) current = undefined;
    });
  };
  context.subscriptions.push(
    vscode.commands.registerCommand('baton.showGraph', () => {
      if (current) {
        current.panel.reveal(undefined, false);
        return;
      }
      const panel = vscode.window.createWebviewPanel(GRAPH_VIEW_TYPE, vscode.l10n.t('Baton Graph'), { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false }, webviewOptions(context));
      open(panel);
    }),
    vscode.commands.registerCommand('baton.exportGraphSvg', (target?: vscode.Uri) => exportSvg(planSource, workers, cache, target)),
    // After a window reload VS Code hands back the panel; its webview's own state (viewport, selection) comes with it.
    vscode.window.registerWebviewPanelSerializer(GRAPH_VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel) {
        panel.webview.options = webviewOptions(context);
        open(panel);
      },
    }),
    { dispose: () => current?.dispose() },
  );
}

function webviewOptions(context: vscode.ExtensionContext): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview')] };
}

class GraphPanel implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private ready = false;
  /** Tasks the graph asked the tree to select, and when: their selection events are echoes. */
  private readonly revealed = new Map<string, number>();

  constructor(
    context: vscode.ExtensionContext,
    readonly panel: vscode.WebviewPanel,
    private readonly planSource: PlanSource,
    private readonly workers: Workers,
    private readonly tasksTree: TasksTree,
    private readonly cache: LayoutCache,
    private readonly log: vscode.LogOutputChannel,
  ) {
    panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'baton.svg');
    panel.webview.html = html(panel.webview, context.extensionUri);
    this.disposables.push(
      panel.webview.onDidReceiveMessage((raw) => this.receive(raw)),
      planSource.onDidChange(() => this.sendGraph()),
      workers.onDidChange(() => this.sendLive()),
      tasksTree.onDidSelectTask((id) => {
        // The tree echoes the selections the graph asked it to reveal, a moment later; passing an echo
        // back would undo a newer selection made in the graph meanwhile.
        const asked = this.revealed.get(id);
        this.revealed.delete(id);
        if (asked !== undefined && Date.now() - asked < ECHO_MS) return;
        this.post({ type: 'select', id });
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.sendGraph()),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  private post(message: ToWebview): void {
    if (this.ready) void this.panel.webview.postMessage(message);
  }

  private sendGraph(): void {
    const snapshot = this.planSource.current;
    if (!snapshot) {
      this.post({
        type: 'empty',
        message: this.planSource.planUri ? vscode.l10n.t('No plan yet: create one with "Baton: Create Plan".') : vscode.l10n.t('Open a folder to see its plan.'),
      });
      return;
    }
    const started = performance.now();
    const shown = shownPlan(snapshot);
    const view = buildGraphView(shown.plan, shown.analysis, shown.diagnostics, { cache: this.cache });
    this.log.debug(`Graph: ${view.nodes.length} tasks laid out (${view.engine}) in ${(performance.now() - started).toFixed(0)} ms`);
    this.post({ type: 'graph', view, live: this.live(), trusted: vscode.workspace.isTrusted, file: shown.file, ...(shown.banner ? { banner: shown.banner } : {}) });
  }

  private sendLive(): void {
    if (this.planSource.current) this.post({ type: 'live', live: this.live() });
  }

  private live(): Record<string, TaskLive> {
    const snapshot = this.planSource.current;
    if (!snapshot) return {};
    const proposal = snapshot.team?.proposal;
    if (proposal) {
      // Proposed tasks have no workers and nothing to do yet: their order only, and no menu.
      const live: Record<string, TaskLive> = {};
      for (const [id, state] of planStates(proposal.plan)) live[id] = { state, label: vscode.l10n.t('Proposed · {0}', stateLabel(state)), actions: [] };
      return live;
    }
    const trusted = vscode.workspace.isTrusted;
    const live: Record<string, TaskLive> = {};
    for (const [id, state] of this.workers.taskStates(snapshot)) {
      const record = this.workers.records.get(id);
      const activity = record && LIVE_STATES.has(state) ? (record.view.activity ?? record.view.reason) : undefined;
      live[id] = {
        state,
        label: stateLabel(state),
        ...(activity ? { activity: activity.length > ACTIVITY_CHARS ? `${activity.slice(0, ACTIVITY_CHARS - 1)}…` : activity } : {}),
        actions: actionsFor(state, record !== undefined, trusted),
      };
    }
    return live;
  }

  private receive(raw: unknown): void {
    const message = parseFromWebview(raw);
    if (!message) {
      this.log.warn(`Graph: dropped a malformed or unknown message from the webview: ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    switch (message.type) {
      case 'ready':
        this.ready = true;
        this.sendGraph();
        return;
      case 'select':
        this.revealed.set(message.id, Date.now());
        if (this.revealed.size > 50) this.revealed.delete(this.revealed.keys().next().value!);
        void this.tasksTree.revealTask(message.id).then((moved) => moved || this.revealed.delete(message.id));
        return;
      case 'open':
        void vscode.commands.executeCommand('baton.openTask', message.id);
        return;
      case 'action': {
        // Check again here: the menu the webview showed may be older than the worker's state.
        const allowed = this.live()[message.id]?.actions ?? [];
        if (!allowed.includes(message.action)) {
          this.log.warn(`Graph: "${GRAPH_ACTIONS[message.action]}" is not available for "${message.id}" now; ignored.`);
          return;
        }
        void vscode.commands.executeCommand(`baton.${message.action}`, message.id);
        return;
      }
      case 'openProblem': {
        const snapshot = this.planSource.current;
        if (!snapshot) return;
        const at = new vscode.Position(message.line - 1, message.column - 1);
        void vscode.window.showTextDocument(snapshot.team?.proposal?.uri ?? snapshot.uri, { selection: new vscode.Range(at, at), viewColumn: columnBesideGraph() });
        return;
      }
    }
  }
}

function html(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const nonce = randomBytes(16).toString('base64');
  const asset = (name: string) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', name));
  const csp = [
    "default-src 'none'",
    `style-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}'`,
    `img-src ${webview.cspSource} data:`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${asset('webview.css')}">
<title>Baton Graph</title>
</head>
<body>
<div id="app" aria-busy="true"></div>
<script nonce="${nonce}" src="${asset('webview.js')}"></script>
</body>
</html>`;
}

/** Writes the SVG to `given` (a test, another extension) or where the person chooses. */
async function exportSvg(planSource: PlanSource, workers: Workers, cache: LayoutCache, given?: vscode.Uri): Promise<vscode.Uri | undefined> {
  const snapshot = planSource.current;
  if (!snapshot) {
    void vscode.window.showWarningMessage(vscode.l10n.t('There is no plan to export: create one with "Baton: Create Plan".'));
    return undefined;
  }
  const target =
    given ??
    (await vscode.window.showSaveDialog({
    defaultUri: vscode.Uri.joinPath(snapshot.uri, '..', 'baton-graph.svg'),
    filters: { [vscode.l10n.t('SVG image')]: ['svg'] },
    title: vscode.l10n.t('Export Graph as SVG'),
  }));
  if (!target) return undefined;
  const view = buildGraphView(snapshot.plan, snapshot.analysis, snapshot.diagnostics, { cache });
  await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(renderSvg(view, workers.taskStates(snapshot))));
  void vscode.window.setStatusBarMessage(vscode.l10n.t('Baton: graph exported to {0}', vscode.workspace.asRelativePath(target)), 5000);
  return target;
}

/** What the graph draws: the plan, or while a team writes it, what the team proposes, said as such. */
function shownPlan(snapshot: PlanSnapshot): { plan: Plan; analysis: Analysis | undefined; diagnostics: PlanDiagnostic[]; file: string; banner?: string } {
  const team = snapshot.team;
  if (!team) return snapshot;
  if (!team.proposal) return { ...snapshot, banner: vscode.l10n.t('The team is writing the plan for "{0}": nothing written yet.', team.goal) };
  return {
    ...team.proposal,
    file: team.proposal.label,
    banner: vscode.l10n.t('Proposed by the team for "{0}", not approved yet ({1}). Review and approve {2} to make it the plan.', team.goal, team.proposal.label, TEAM_TASK_ID),
  };
}
