// For a mocha suite whose workers run the real Claude Code CLI headless: the scripted model, a Claude
// config and environment, and `claude` on PATH, made before the suite's tests and undone after them.
import { makeClaudeEnv, withClaudeOnPath, type ClaudeEnv } from './claudeEnv';
import { startScriptedModel, type ScriptedModel } from './scriptedModel';

export interface ClaudeWorkerEnv {
  model: ScriptedModel;
  claude: ClaudeEnv;
  /** The environment for `baton` commands: the CLI's, with `claude` on PATH. */
  env: Record<string, string>;
}

/**
 * Registers before/after hooks in the calling `describe`; the fields are set once its `before` has run
 * (read them inside tests and hooks, not at the top of the describe).
 */
export function useClaudeWorkerEnv(): ClaudeWorkerEnv {
  const workers = {} as ClaudeWorkerEnv;
  before(async () => {
    workers.model = await startScriptedModel();
    workers.claude = makeClaudeEnv({ baseUrl: workers.model.url });
    workers.env = withClaudeOnPath(workers.claude);
  });
  after(async () => {
    await workers.model?.close();
    workers.claude?.dispose();
  });
  return workers;
}
