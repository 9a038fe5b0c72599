// The environment a worker runs in: the person's own (their login environment, as the editor or terminal
// that started Baton has it) plus Baton's variables, and nothing of the editor's own process. VS Code's
// extension host sets e.g. ELECTRON_RUN_AS_NODE=1, which makes every Electron program a gate runs (an
// Electron test runner, say) start as plain Node.

/** Variables that belong to the editor's own processes, not to the person's environment. */
const HOST_ONLY = [/^ELECTRON_/, /^VSCODE_/, /^APPLICATION_INSIGHTS_/, /^CODE_SERVER_/, /^CHROME_CRASHPAD_/];

/** Names Baton's own process (the supervisor) needs and the agent must not inherit, comma-separated. */
export const OWN_ENV_VARIABLE = 'BATON_OWN_ENV';

/** `env` without the editor's own variables. */
export function personEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && !HOST_ONLY.some((p) => p.test(key))) out[key] = value;
  }
  return out;
}

/**
 * What the supervisor gives the agent: its own environment without the variables meant only for Baton's
 * process (named in BATON_OWN_ENV), so the agent and every tool it runs see the person's environment.
 */
export function agentEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const own = (env[OWN_ENV_VARIABLE] ?? '').split(',').filter(Boolean);
  const out = { ...env };
  for (const key of [...own, OWN_ENV_VARIABLE]) delete out[key];
  return out;
}
