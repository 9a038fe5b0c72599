// A git workspace for a real VS Code whose workers run the real Claude Code CLI against the scripted model:
// the model, a Claude config and environment with `claude` on PATH, and the repository, all undone after
// the suite (and at exit, should the suite be cut short).
import { cleanUpOnExit, killProcessesMentioning } from '../host/harness';
import { makeGitWorkspace, removeWorkspace } from '../host/workspace';
import { makeClaudeEnv, withClaudeOnPath, type ClaudeEnv } from './claudeEnv';
import { startScriptedModel, type ScriptedModel } from './scriptedModel';

export interface ClaudeWorkspace {
  workspace: string;
  model: ScriptedModel;
  claude: ClaudeEnv;
  /** The environment for the host: the CLI's, with `claude` on PATH. */
  env: Record<string, string>;
  /**
   * Ends what still runs for the workspace (terminals run in sessions of their own: their supervisors
   * outlive code-server), closes the model and removes the folders. Call it after the host has stopped.
   */
  dispose(): Promise<void>;
}

export interface ClaudeWorkspaceOptions {
  /** Files committed on main (see makeGitWorkspace). */
  files: Record<string, string>;
  /** Ends more of what may still run in the workspace, before it is removed. */
  alsoEnd?: (workspace: string) => void;
  /** Claude Code trusts the workspace folder already (it asks about a folder it has not seen). */
  trustWorkspace?: boolean;
}

export async function makeClaudeWorkspace(options: ClaudeWorkspaceOptions): Promise<ClaudeWorkspace> {
  const model = await startScriptedModel();
  const workspace = makeGitWorkspace({ files: options.files });
  const claude = makeClaudeEnv({ baseUrl: model.url, ...(options.trustWorkspace ? { trustedFolders: [workspace] } : {}) });
  const env = withClaudeOnPath(claude);
  const endProcesses = () => {
    killProcessesMentioning(workspace);
    killProcessesMentioning(claude.configDir);
    options.alsoEnd?.(workspace);
  };
  const forget = cleanUpOnExit(() => {
    endProcesses();
    removeWorkspace(workspace);
    claude.dispose();
  });
  return {
    workspace,
    model,
    claude,
    env,
    dispose: async () => {
      forget();
      endProcesses();
      await model.close();
      claude.dispose();
      removeWorkspace(workspace);
    },
  };
}
