// Worker requests in VS Code: the "Requests" section of the Workers view (who asked, why, when), and
// Approve / Edit First / Decline on each. Approving adds the task to the plan's document (comments kept) and
// saves it; declining tells the requester, typed into its terminal when it is open. The engine does the
// checking (src/core/run/requests.ts): a request with problems is shown with them and cannot be approved.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { approvalText, declineMessage, listRequests, recordDecision, RequestError, requestsDir, type WorkerRequest } from '../core/run/requests';
import type { PlanSource } from './planSource';
import type { Workers } from './workers';
import { ensureTrusted } from './workspaceTrust';

export interface RequestsGroupNode {
  kind: 'requests';
  count: number;
}
export interface RequestNode {
  kind: 'request' | 'request.malformed' | 'request.decided';
  request: WorkerRequest;
}

/** How many requests were approved automatically in this workspace (the budget counts them). */
const AUTO_APPROVED_KEY = 'baton.requests.autoApproved';

export class Requests implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  list: WorkerRequest[] = [];
  private watcher: vscode.FileSystemWatcher | undefined;
  private readonly disposables: vscode.Disposable[] = [this.changed];

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly workers: Workers,
    private readonly planSource: PlanSource,
  ) {
    this.disposables.push(workers.onDidChange(() => this.refresh()), planSource.onDidChange(() => this.refresh()));
  }

  /** Reads `.baton/requests/` again; fires when what is shown changed; approves what the budget allows. */
  refresh(): void {
    const layout = this.workers.batonLayout;
    if (!layout) return;
    if (!this.watcher) {
      this.watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(layout.dir), 'requests/**'));
      this.disposables.push(this.watcher, this.watcher.onDidCreate(() => this.refresh()), this.watcher.onDidChange(() => this.refresh()), this.watcher.onDidDelete(() => this.refresh()));
    }
    const ids = new Set(this.planSource.current?.plan.tasks.map((t) => t.id) ?? []);
    const next = existsSync(requestsDir(layout)) ? listRequests(layout, ids) : [];
    if (JSON.stringify(next) === JSON.stringify(this.list)) return;
    // Declined elsewhere (`baton request decline`, another window) while this window watched: tell the requester too.
    const wasPending = new Set(this.list.filter((r) => r.status === 'pending').map((r) => r.folder));
    for (const r of next) {
      if (r.status === 'declined' && wasPending.has(r.folder) && !this.told.has(r.folder)) this.tell(r, r.reason ?? 'no reason given');
    }
    this.list = next;
    this.changed.fire();
    void vscode.commands.executeCommand('setContext', 'baton.pendingRequests', next.filter((r) => r.status === 'pending').length);
    void this.autoApprove();
  }

  /** The setting `baton.requests.autoApprove` (user settings only: a repository cannot grant itself workers). */
  private budget(): { max: number; personas: string[] } {
    const value = vscode.workspace.getConfiguration('baton').inspect<{ maxRequests?: number; personas?: string[] }>('requests.autoApprove')?.globalValue;
    return { max: typeof value?.maxRequests === 'number' ? value.maxRequests : 0, personas: Array.isArray(value?.personas) ? value.personas : [] };
  }

  private autoApproving = false;
  private async autoApprove(): Promise<void> {
    const { max, personas } = this.budget();
    if (max <= 0 || this.autoApproving || !vscode.workspace.isTrusted) return;
    this.autoApproving = true;
    try {
      for (const r of this.list) {
        const used = this.context.workspaceState.get<number>(AUTO_APPROVED_KEY, 0);
        if (used >= max) break;
        if (r.status !== 'pending' || r.problems.length || !r.persona || !personas.includes(r.persona)) continue;
        if (await this.approve(r, { quiet: true })) {
          await this.context.workspaceState.update(AUTO_APPROVED_KEY, used + 1);
          void vscode.window.showInformationMessage(vscode.l10n.t('Approved {0} automatically ({1} of {2} allowed by baton.requests.autoApprove).', r.folder, used + 1, max));
        }
      }
    } finally {
      this.autoApproving = false;
    }
  }

  /** Adds the request's task to the plan document and saves it. False (and says why) when it cannot. */
  async approve(r: WorkerRequest, options: { quiet?: boolean } = {}): Promise<boolean> {
    const layout = this.workers.batonLayout;
    const snapshot = await this.planSource.reload();
    const fail = (message: string) => {
      void vscode.window.showErrorMessage(message);
      return false;
    };
    if (!layout || !snapshot) return fail(vscode.l10n.t('There is no plan to add the request to.'));
    if (snapshot.plan.format !== 'yaml') return fail(vscode.l10n.t('Approving a request edits a YAML plan, and {0} is Markdown: add the task by hand.', snapshot.file));
    const fresh = listRequests(layout, new Set(snapshot.plan.tasks.map((t) => t.id))).find((x) => x.folder === r.folder);
    if (!fresh) return fail(vscode.l10n.t('The request {0} is gone.', r.folder));
    const document = await vscode.workspace.openTextDocument(snapshot.uri);
    const requester = fresh.from ? snapshot.plan.tasks.find((t) => t.id === fresh.from) : undefined;
    let text: string;
    let taskId: string;
    try {
      ({ text, task: { id: taskId } } = approvalText(document.getText(), snapshot.file, fresh, requester?.title));
    } catch (e) {
      if (e instanceof RequestError) return fail(e.message.replace(/\n\s*-?\s*/g, ' '));
      throw e;
    }
    const edit = new vscode.WorkspaceEdit();
    edit.replace(snapshot.uri, new vscode.Range(document.positionAt(0), document.positionAt(document.getText().length)), text);
    if (!(await vscode.workspace.applyEdit(edit)) || !(await document.save())) return fail(vscode.l10n.t('Baton could not edit and save the plan: is it read-only?'));
    recordDecision(layout, fresh, { decision: 'approved', task: taskId });
    await this.planSource.reload();
    this.refresh();
    if (!options.quiet) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Approved {0}: task "{1}" is in the plan; it can start when its dependencies are approved.', fresh.folder, taskId));
    }
    return true;
  }

  decline(r: WorkerRequest, reason: string): void {
    const layout = this.workers.batonLayout;
    if (!layout) return;
    recordDecision(layout, r, { decision: 'declined', reason });
    this.tell(r, reason);
    this.refresh();
  }

  private readonly told = new Set<string>();
  /** The requester hears it in its session when its terminal is open; the event stays in its run folder either way. */
  private tell(r: WorkerRequest, reason: string): void {
    this.told.add(r.folder);
    if (r.from && this.workers.terminal(r.from)) this.workers.reply(r.from, declineMessage(r, reason));
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

export function requestNodes(requests: Requests): RequestNode[] {
  return requests.list.map((request) => ({
    kind: request.status !== 'pending' ? 'request.decided' : request.problems.length ? 'request.malformed' : 'request',
    request,
  }));
}

export function requestTreeItem(node: RequestsGroupNode | RequestNode): vscode.TreeItem {
  if (node.kind === 'requests') {
    const item = new vscode.TreeItem(vscode.l10n.t('Requests'), vscode.TreeItemCollapsibleState.Expanded);
    item.id = 'requests';
    item.contextValue = 'requests';
    item.description = vscode.l10n.t('{0} waiting', node.count);
    item.iconPath = new vscode.ThemeIcon('person-add');
    return item;
  }
  const r = node.request;
  const item = new vscode.TreeItem(r.title || r.folder);
  item.id = `request:${r.folder}`;
  item.contextValue = node.kind;
  const who = r.from ? vscode.l10n.t('from {0}', r.from) : vscode.l10n.t('from the person');
  const when = r.at ? new Date(r.at).toLocaleString() : undefined;
  const decided = r.status === 'approved' ? vscode.l10n.t('approved') : vscode.l10n.t('declined');
  // A problem's words come from the engine (`baton request list` prints them too).
  const state = r.status !== 'pending' ? decided : r.problems.length ? vscode.l10n.t("can't be approved: {0}", r.problems[0]) : `${r.persona}`;
  item.description = [state, who, when].filter(Boolean).join(' · ');
  item.iconPath = new vscode.ThemeIcon(r.status === 'approved' ? 'pass' : r.status === 'declined' ? 'circle-slash' : r.problems.length ? 'warning' : 'mail');
  const md = new vscode.MarkdownString('', false);
  md.appendText(`${r.folder}\n${who}${when ? `, ${when}` : ''}\n\n`);
  if (r.instructions) md.appendText(r.instructions.slice(0, 1000) + '\n\n');
  for (const p of r.problems) md.appendText(`${vscode.l10n.t('Problem: {0}', p)}\n`);
  if (r.reason) md.appendText(`${vscode.l10n.t('Declined: {0}', r.reason)}\n`);
  item.tooltip = md;
  return item;
}

export function registerRequests(context: vscode.ExtensionContext, workers: Workers, planSource: PlanSource): Requests {
  const requests = new Requests(context, workers, planSource);
  context.subscriptions.push(
    requests,
    vscode.commands.registerCommand('baton.approveRequest', (node?: RequestNode) => {
      if (!node || !ensureTrusted(vscode.l10n.t('approve a request'))) return false;
      return requests.approve(node.request);
    }),
    vscode.commands.registerCommand('baton.editRequest', async (node?: RequestNode) => {
      const layout = workers.batonLayout;
      if (!node || !layout) return;
      await vscode.window.showTextDocument(vscode.Uri.file(join(requestsDir(layout), node.request.folder, 'instructions.md')));
    }),
    vscode.commands.registerCommand('baton.declineRequest', async (node?: RequestNode, given?: string) => {
      if (!node || !ensureTrusted(vscode.l10n.t('decline a request'))) return;
      const reason = given ?? (await vscode.window.showInputBox({
          title: vscode.l10n.t('Decline {0}', node.request.folder),
          prompt: vscode.l10n.t('Why? The worker that asked is told.'),
          ignoreFocusOut: true,
        }));
      if (!reason?.trim()) return;
      requests.decline(node.request, reason.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim());
    }),
  );
  requests.refresh();
  return requests;
}
