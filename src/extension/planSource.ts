// The one owner of the current plan: where it is, its text (the unsaved editor's when there is one),
// the parse, the analysis and the task states. The tree, diagnostics and status bar listen to it.
import * as vscode from 'vscode';
import type { ParseResult, Plan, PlanDiagnostic } from '../core/plan/model';
import type { Analysis } from '../core/graph/analysis';
import type { TaskState } from '../core/run/states';
import { parsePlan } from '../core/plan/parse';
import { analyzePlan } from '../core/graph/analysis';
import { planStates } from '../core/run/states';

export interface PlanSnapshot {
  uri: vscode.Uri;
  /** Workspace-relative path, as parse messages and the status bar name it. */
  file: string;
  text: string;
  plan: Plan;
  diagnostics: PlanDiagnostic[];
  /** Undefined only if the analysis itself failed; see the Baton output channel. */
  analysis: Analysis | undefined;
  states: Map<string, TaskState>;
  /**
   * Set while a team writes the plan (Start Team): the snapshot is then the team's own plan (one task,
   * `team-plan`), so review and approval work as for any task, and this holds what the team proposes.
   */
  team?: TeamView;
}

/** A team at work on the plan, and the plan it proposes so far (read from its worktree). */
export interface TeamView {
  goal: string;
  phase: 'manager' | 'architect';
  /** Undefined until the team has written the plan file. */
  proposal?: {
    uri: vscode.Uri;
    /** How the proposal is named to the person, e.g. `baton.yaml in team-plan's worktree`. */
    label: string;
    plan: Plan;
    diagnostics: PlanDiagnostic[];
    analysis: Analysis | undefined;
  };
}

/** What stands in for the plan file while a team writes it: the team's plan text, and the team. */
export interface TeamOverlay {
  uri: vscode.Uri;
  text: string;
  team: TeamView;
}

/** How long typing must pause before the unsaved plan is parsed again. */
export const EDIT_DEBOUNCE_MS = 300;

export class PlanSource implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<PlanSnapshot | undefined>();
  /** Fires after every load: a snapshot, or undefined when there is no plan file. */
  readonly onDidChange = this.changed.event;

  private snapshot: PlanSnapshot | undefined;
  private location: vscode.Uri | undefined;
  private watcher: vscode.FileSystemWatcher | undefined;
  private debounce: NodeJS.Timeout | undefined;
  /** Bumped by every load, so a slow read that finishes after a newer one is dropped. */
  private generation = 0;
  /** Consulted at every load: while it gives a team, the team's plan stands in for the plan file. */
  private teamOverlay: (() => TeamOverlay | undefined) | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly log: vscode.LogOutputChannel) {
    this.disposables.push(
      this.changed,
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('baton.planFile')) void this.relocate();
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => void this.relocate()),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (this.isPlan(e.document.uri) && e.contentChanges.length > 0) this.scheduleReload();
      }),
      // Closing an unsaved plan editor discards its text: the file on disk is the plan again.
      vscode.workspace.onDidCloseTextDocument((doc) => {
        if (this.isPlan(doc.uri)) void this.reload();
      }),
    );
  }

  /** The current plan, or undefined when there is no plan file. */
  get current(): PlanSnapshot | undefined {
    return this.snapshot;
  }

  /** Where the plan is or would be created (the `baton.planFile` setting); undefined with no folder open. */
  get planUri(): vscode.Uri | undefined {
    return this.location;
  }

  /** Finds the plan and loads it; call once after every listener is registered. */
  async start(): Promise<PlanSnapshot | undefined> {
    return this.relocate();
  }

  /** Lets Start Team put the team's plan in the place of the plan file while the team is at work (team.ts). */
  setTeamOverlay(overlay: () => TeamOverlay | undefined): void {
    this.teamOverlay = overlay;
  }

  /** Reads the plan again: the open document's text if there is one, else the file on disk. */
  async reload(): Promise<PlanSnapshot | undefined> {
    clearTimeout(this.debounce);
    const generation = ++this.generation;
    const team = this.teamOverlay?.();
    if (team) {
      this.snapshot = { ...this.analyse(team.uri, team.text), team: team.team };
      this.changed.fire(this.snapshot);
      return this.snapshot;
    }
    const uri = this.location;
    const text = uri ? await readPlanText(uri, this.log) : undefined;
    if (generation !== this.generation) return this.snapshot;
    this.snapshot = uri && text !== undefined ? this.analyse(uri, text) : undefined;
    this.changed.fire(this.snapshot);
    return this.snapshot;
  }

  dispose(): void {
    clearTimeout(this.debounce);
    this.watcher?.dispose();
    for (const d of this.disposables) d.dispose();
  }

  private async relocate(): Promise<PlanSnapshot | undefined> {
    this.watcher?.dispose();
    this.watcher = undefined;
    const folder = vscode.workspace.workspaceFolders?.[0];
    const planFile = vscode.workspace.getConfiguration('baton', folder).get<string>('planFile', 'baton.yaml');
    this.location = folder ? vscode.Uri.joinPath(folder.uri, planFile) : undefined;
    if (folder) {
      this.watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, planFile));
      const reload = () => void this.reload();
      this.watcher.onDidCreate(reload);
      this.watcher.onDidChange(reload);
      this.watcher.onDidDelete(reload);
    }
    return this.reload();
  }

  private scheduleReload(): void {
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.reload(), EDIT_DEBOUNCE_MS);
  }

  private isPlan(uri: vscode.Uri): boolean {
    return this.location !== undefined && uri.toString() === this.location.toString();
  }

  private analyse(uri: vscode.Uri, text: string): PlanSnapshot {
    const file = vscode.workspace.asRelativePath(uri, false);
    const { plan, diagnostics }: ParseResult = parsePlan(text, file);
    let analysis: Analysis | undefined;
    try {
      analysis = analyzePlan(plan);
    } catch (err) {
      // The tree can still list tasks without stages; say why stages are missing.
      this.log.error(`Analysis of ${file} failed:`, err);
    }
    return { uri, file, text, plan, diagnostics, analysis, states: planStates(plan) };
  }
}

/** The open document's text (unsaved edits count), else the file's; undefined when there is none to read. */
async function readPlanText(uri: vscode.Uri, log: vscode.LogOutputChannel): Promise<string | undefined> {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open && !open.isClosed) return open.getText();
  try {
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  } catch (err) {
    const missing = err instanceof vscode.FileSystemError && err.code === 'FileNotFound';
    if (!missing) log.error(`Cannot read ${uri.toString(true)}:`, err);
    return undefined;
  }
}
