// Types for code-server.js (plain JavaScript so that scripts/start.js can use it without a build).

export const CODE_SERVER_VERSION: string;

/** Where setup-code-server.sh installs code-server: $BATON_CODE_SERVER_DIR or the user cache. */
export function codeServerDir(): string;

/** Runs setup-code-server.sh (quick when already installed); returns the install folder. */
export function ensureCodeServer(): string;

/** Runs the code-server CLI to completion and returns its stdout; throws on a non-zero exit. */
export function codeServerCli(dir: string, args: string[], options?: { configFile?: string }): string;

/** Installs each .vsix into extensionsDir. */
export function installExtensions(dir: string, extensionsDir: string, vsixPaths: string[]): void;

/** A TCP port on 127.0.0.1 that was free a moment ago; `preferred` if it is free. */
export function freePort(preferred?: number): Promise<number>;

export interface StartCodeServerOptions {
  /** The code-server install folder (ensureCodeServer()). */
  dir: string;
  /** Folder to open; omitted: an empty window. */
  workspace?: string;
  userDataDir: string;
  extensionsDir: string;
  /** Port on 127.0.0.1; omitted: a free one. */
  port?: number;
  /** Keep workspace trust on (by default `--disable-workspace-trust` turns it off). */
  workspaceTrust?: boolean;
  /** Added to the server's environment, and so to its extension hosts' and terminals'. */
  env?: Record<string, string>;
  /** Server output is also written here. */
  logFile?: string;
  onOutput?: (text: string) => void;
  startTimeoutMs?: number;
}

export interface RunningCodeServer {
  url: string;
  port: number;
  pid: number;
  /** Everything the server printed so far. */
  log(): string;
  /** Ends the server's whole process group (SIGTERM, then SIGKILL); safe to call twice. */
  stop(): Promise<void>;
  /** Ends the server's process group with SIGKILL, synchronously (for exit and signal handlers). */
  kill(): void;
}

export function startCodeServer(options: StartCodeServerOptions): Promise<RunningCodeServer>;
