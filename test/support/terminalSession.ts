// A program running in a pseudo-terminal, as a worker runs in a VS Code terminal: the test types keys
// and waits for text to appear. Claude Code's interactive screen is drawn with cursor moves, so the plain
// text has escape sequences removed and words may run together: match with `\s*` between words.

import { spawn } from '@lydell/node-pty';

export interface TerminalSession {
  /** Everything the program printed so far, with escape sequences. */
  readonly raw: string;
  /** What the program printed so far, escape sequences removed. */
  text(): string;
  /** Resolves once `pattern` appears after the previous match; rejects after `timeoutMs` with the screen's tail. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** Types into the terminal (`\r` is Enter, `\x04` Ctrl-D, `\x1b[B` arrow down). */
  write(data: string): void;
  /** Settles when the program exits. */
  readonly exited: Promise<{ exitCode: number; signal?: number }>;
  /** Ends the program if it is still running. */
  kill(signal?: string): void;
}

export interface TerminalOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  cols?: number;
  rows?: number;
}

export function startTerminal(file: string, args: string[], options: TerminalOptions): TerminalSession {
  const pty = spawn(file, args, {
    name: 'xterm-256color',
    cols: options.cols ?? 120,
    rows: options.rows ?? 40,
    cwd: options.cwd,
    env: { ...options.env, TERM: 'xterm-256color' },
  });
  let raw = '';
  let searchedTo = 0;
  let running = true;
  const listeners = new Set<() => void>();
  pty.onData((data) => {
    raw += data;
    for (const listener of listeners) listener();
  });
  const exited = new Promise<{ exitCode: number; signal?: number }>((resolve) =>
    pty.onExit((e) => {
      running = false;
      for (const listener of listeners) listener();
      resolve(e);
    }),
  );

  const text = () => plainText(raw);

  const waitFor = (pattern: RegExp, timeoutMs: number) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const all = text();
        const match = all.slice(searchedTo).match(pattern);
        if (match) {
          searchedTo += (match.index ?? 0) + match[0].length;
          done();
          resolve(match);
        } else if (!running) {
          done();
          reject(new Error(`The program exited before ${pattern} appeared. Its screen ended with:\n${all.slice(-1500)}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${pattern} did not appear within ${timeoutMs} ms. The screen ended with:\n${text().slice(-1500)}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      check();
    });

  return {
    get raw() {
      return raw;
    },
    text,
    waitFor,
    write: (data) => pty.write(data),
    exited,
    kill: (signal = 'SIGKILL') => {
      if (running) pty.kill(signal);
    },
  };
}

// CSI (`ESC [ ... final`), OSC (`ESC ] ... BEL` or `ESC ] ... ESC \`), charset and other two-byte escapes.
// Cursor-forward (`ESC [ n C`) stands for n spaces.
const escapes = /\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78DEHM]/g;

/** Terminal output without escape sequences. */
export function plainText(raw: string): string {
    return raw.replace(/\x1b\[(\d*)C/g, (_, n: string) => ' '.repeat(Number(n || 1))).replace(escapes, '');
}
