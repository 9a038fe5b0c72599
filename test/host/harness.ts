// A real VS Code for tests: code-server (server + web workbench) opened in Debian's Chromium through
// playwright-core. startHost() installs the given .vsix files into a fresh extensions folder, starts
// code-server on a free 127.0.0.1 port, opens the workspace and waits for the workbench; stop() ends
// code-server and Chromium (whole process groups) and removes the temporary folders.
//
//   const host = await startHost({ workspace, extensionVsix: 'baton-0.1.0.vsix' });
//   try {
//     await host.runCommand('Baton: Validate Plan');
//     console.log(await host.problems());
//   } finally {
//     await host.stop();
//   }
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import {
  ensureCodeServer,
  installExtensions,
  type RunningCodeServer,
  startCodeServer,
} from '../../scripts/host/code-server.js';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
/** Screenshots and server logs; gitignored. */
export const RESULTS_DIR = path.join(REPO_ROOT, 'test-results');
export const CHROMIUM = process.env.BATON_CHROMIUM || '/usr/bin/chromium';

export interface StartHostOptions {
  /** The folder the workbench opens. */
  workspace: string;
  /** .vsix files installed into the (fresh, temporary) extensions folder before start. */
  extensionVsix?: string | string[];
  /**
   * Keep VS Code's workspace trust on (the default turns it off): the folder then opens in Restricted Mode.
   * Pair it with the setting `security.workspace.trust.enabled: true`.
   */
  workspaceTrust?: boolean;
  /** User settings, on top of quiet test defaults (no welcome page, no update checks...). */
  settings?: Record<string, unknown>;
  /**
   * Added to code-server's environment; its extension host and terminals inherit it. (The harness also
   * sets VSCODE_CLI=1: otherwise VS Code replaces the environment with a login shell's, whose profile
   * may reset PATH.)
   */
  env?: Record<string, string>;
  /** User keybindings (keybindings.json entries), e.g. to run a command with arguments by a key. */
  keybindings?: { key: string; command: string; args?: unknown; when?: string }[];
  /** Names this host's log file and screenshots; default "host". */
  name?: string;
  /** Port on 127.0.0.1; default a free one. */
  port?: number;
  /** How long to wait for the workbench; default 120 s. */
  workbenchTimeoutMs?: number;
  viewport?: { width: number; height: number };
}

export interface ProblemRow {
  /** "file" for a file's heading row, else the marker's severity. */
  kind: 'file' | 'error' | 'warning' | 'info';
  /** The row's visible text, e.g. "Unknown dependency 'api' baton(unknown-dep) [Ln 12, Col 11]". */
  text: string;
  /** The accessible label VS Code gives the row (states file, line, column and severity in words). */
  ariaLabel: string;
}

export interface TreeRow {
  label: string;
  /** The grey text after the label (TreeItem.description), or "". */
  description: string;
  /** TreeItem.accessibilityInformation, or label and description. */
  ariaLabel: string;
  /** 1 for top-level rows. */
  level: number;
  /** undefined for a leaf. */
  expanded?: boolean;
  /** The row's codicon, e.g. "play-circle", "sync" (spinning or not), "eye"; "" when it has none. */
  icon: string;
  /** The labels of the row's inline action buttons, without their keybindings, e.g. ["Start Worker"]. */
  actions: string[];
}

export interface Host {
  page: Page;
  context: BrowserContext;
  /** The workbench URL, including ?folder=. */
  url: string;
  workspace: string;
  userDataDir: string;
  extensionsDir: string;
  /** What code-server printed so far (also in test-results/<name>-code-server.log). */
  serverLog(): string;
  /** Ends Chromium and code-server and removes the temporary folders. Safe to call twice. */
  stop(): Promise<void>;
  /**
   * Quits VS Code entirely and starts it again, as a person who closes it and opens it the next day: ends
   * Chromium and code-server (whole process groups: its extension host and pty host go too), then starts a
   * new code-server on the same port, workspace, user data and extensions, and a new Chromium on the same
   * profile (the web workbench keeps its workspace state, e.g. the terminals to revive, in the browser),
   * and waits for the workbench. `page` and `context` are the new ones afterwards.
   */
  restart(): Promise<void>;
  /** Saves test-results/<name>.png and returns its path. */
  screenshot(name: string): Promise<string>;
  /** Runs a command from the command palette by its exact title, e.g. "Baton: Validate Plan". */
  runCommand(title: string): Promise<void>;
  /** Opens the Problems panel and returns its visible rows. */
  problems(): Promise<ProblemRow[]>;
  /** Clicks the Activity Bar item with this title (e.g. "Baton"), unless its container is open. */
  openViewContainer(title: string): Promise<void>;
  /** The titles of the Activity Bar items, e.g. ["Explorer", "Search", ..., "Baton"]. */
  activityBarTitles(): Promise<string[]>;
  /** Waits (default 30 s) until the Activity Bar shows an item with this title. */
  waitForActivityBarItem(title: string, timeoutMs?: number): Promise<void>;
  /**
   * The rendered rows of the tree view with this title (its section is expanded if collapsed). Waits
   * up to timeoutMs (default 10 s) for at least `atLeast` rows (default 1), then returns what is there.
   * The view's container must be open (openViewContainer).
   */
  treeRows(viewTitle: string, options?: { atLeast?: number; timeoutMs?: number }): Promise<TreeRow[]>;
  /**
   * Clicks the inline action button `action` (its label, e.g. "Start Worker") of the first row of the
   * tree view `viewTitle` whose label is `rowLabel`; waits up to timeoutMs (default 10 s) for it.
   */
  clickTreeRowAction(viewTitle: string, rowLabel: string, action: string, timeoutMs?: number): Promise<void>;
  /** The labels of the open quick pick's items (a command's picker), once it shows any (default 10 s). */
  quickPickItems(timeoutMs?: number): Promise<string[]>;
  /** Chooses the open quick pick's item with this exact label. */
  chooseQuickPickItem(label: string): Promise<void>;
  /** The labels of the editor tabs open now, in every group. */
  tabLabels(): Promise<string[]>;
  /** Waits for a notification toast containing `text`; returns the notification's message. */
  waitForNotification(text: string | RegExp, timeoutMs?: number): Promise<string>;
  /** Dismisses every notification (e.g. left by earlier tests in the same window). */
  clearNotifications(): Promise<void>;
}

const TEST_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.openRepositoryInParentFolders': 'never',
  'window.restoreWindows': 'none',
};

// Chromium as this machine needs it: no sandbox as root, no GPU, no calls to the outside.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-dev-shm-usage',
];

// What to undo, synchronously, if the process is interrupted or exits with hosts still running.
const cleanups = new Set<() => void>();

/**
 * Runs `fn` (synchronous) if this process exits or is interrupted (Ctrl-C, SIGTERM) before the
 * returned function is called to unregister it. For temp folders a test makes beside its host.
 */
export function cleanUpOnExit(fn: () => void): () => void {
  hookProcessExit();
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

function runCleanups(): void {
  for (const fn of [...cleanups].reverse()) {
    cleanups.delete(fn);
    try {
      fn();
    } catch {
      /* keep going: the rest still needs undoing */
    }
  }
}

let exitHooked = false;
function hookProcessExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.on('exit', runCleanups);
  // Ctrl-C or a kill: undo at once and synchronously (a graceful stop could be cut short by the next
  // signal from a parent process), then go. code-server.js also leaves a detached watcher that ends
  // the server if this process dies without running any handler (SIGKILL).
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      runCleanups();
      process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
    });
  }
}

/** Starts code-server with the workspace and the given extensions, and opens it in Chromium. */
export async function startHost(options: StartHostOptions): Promise<Host> {
  const name = options.name ?? 'host';
  const workspace = path.resolve(options.workspace);
  if (!fs.statSync(workspace).isDirectory()) throw new Error(`not a folder: ${workspace}`);
  const codeServerDir = ensureCodeServer();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `baton-${name}-`));
  const browserDir = path.join(tmp, 'chromium');
  let server: RunningCodeServer | undefined;
  const killNow = () => {
    server?.kill();
    killProcessesMentioning(tmp);
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  const unregister = cleanUpOnExit(killNow);
  const userDataDir = path.join(tmp, 'user-data');
  const extensionsDir = path.join(tmp, 'extensions');
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.writeFileSync(
    path.join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ ...TEST_SETTINGS, ...options.settings }, null, 2),
  );
  if (options.keybindings) {
    fs.writeFileSync(path.join(userDataDir, 'User', 'keybindings.json'), JSON.stringify(options.keybindings, null, 2));
  }
  const vsix = options.extensionVsix === undefined ? [] : [options.extensionVsix].flat();
  try {
    installExtensions(codeServerDir, extensionsDir, vsix);
  } catch (err) {
    unregister();
    killNow();
    throw err;
  }

  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  let context: BrowserContext | undefined;
  const logFile = path.join(RESULTS_DIR, `${name}-code-server.log`);
  let starts = 0;
  const launchServer = (port: number | undefined) =>
    startCodeServer({
      dir: codeServerDir,
      workspace,
      userDataDir,
      extensionsDir,
      port,
      workspaceTrust: options.workspaceTrust,
      // startCodeServer sets VSCODE_CLI=1 for every caller (npm start too): VS Code's server would otherwise
      // take its extension host's (and terminals') environment from a login shell, so a test's PATH would
      // give way to /etc/profile's.
      env: options.env ?? {},
      // A restarted server writes a log of its own beside the first.
      logFile: starts++ === 0 ? logFile : logFile.replace(/\.log$/, `-${starts}.log`),
    }).catch((err: unknown) => {
      unregister();
      killNow();
      throw err;
    });
  server = await launchServer(options.port);
  let running = server;

  /**
   * Closes Chromium and ends code-server's process group; keeps the folders. `asAPerson`: the window is
   * closed as a person closes it, so the workbench's shutdown runs (it saves what to restore next time,
   * the terminals to revive among it), and a "leave this page?" question is answered yes.
   */
  const quit = async (asAPerson = false) => {
    if (context && asAPerson) {
      for (const page of context.pages()) {
        page.removeAllListeners('dialog');
        page.on('dialog', (dialog) => void dialog.accept().catch(() => undefined));
        const closed = new Promise<void>((resolve) => (page.isClosed() ? resolve() : page.once('close', () => resolve())));
        await page.close({ runBeforeUnload: true }).catch(() => undefined);
        await Promise.race([closed, delay(15_000)]);
      }
    }
    if (context) {
      await Promise.race([context.close().catch(() => undefined), delay(10_000)]);
    }
    killProcessesMentioning(browserDir);
    await running.stop();
  };

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await quit();
      unregister();
      killNow();
    })());

  const url = `${server.url}/?folder=${encodeURIComponent(workspace)}`;
  const host: Host = {
    page: undefined as unknown as Page,
    context: undefined as unknown as BrowserContext,
    url,
    workspace,
    userDataDir,
    extensionsDir,
    serverLog: () => running.log(),
    stop,
    restart: async () => {
      await quit(true);
      // The same port: the same origin, so the browser profile's workbench state belongs to it.
      server = running = await launchServer(running.port);
      await openWorkbench();
    },
    screenshot: (shot) => screenshot(host.page, shot),
    runCommand: (title) => runCommand(host.page, title),
    problems: () => problems(host.page),
    openViewContainer: (title) => openViewContainer(host.page, title),
    activityBarTitles: () => activityBarTitles(host.page),
    waitForActivityBarItem: (title, timeoutMs) => waitForActivityBarItem(host.page, title, timeoutMs),
    treeRows: (viewTitle, opts) => treeRows(host.page, viewTitle, opts),
    clickTreeRowAction: (viewTitle, rowLabel, action, timeoutMs) => clickTreeRowAction(host.page, viewTitle, rowLabel, action, timeoutMs),
    quickPickItems: (timeoutMs) => quickPickItems(host.page, timeoutMs),
    chooseQuickPickItem: (label) => chooseQuickPickItem(host.page, label),
    tabLabels: () => host.page.locator('.tabs-container .tab').allInnerTexts(),
    waitForNotification: (text, timeoutMs) => waitForNotification(host.page, text, timeoutMs),
    clearNotifications: () => runCommand(host.page, 'Notifications: Clear All Notifications'),
  };

  const openWorkbench = async () => {
    try {
      context = await chromium.launchPersistentContext(browserDir, {
        executablePath: CHROMIUM,
        headless: true,
        args: CHROMIUM_ARGS,
        viewport: options.viewport ?? { width: 1400, height: 900 },
        // Signals are handled above, for code-server and Chromium together.
        handleSIGINT: false,
        handleSIGTERM: false,
        handleSIGHUP: false,
      });
      // tsx compiles with esbuild's keepNames, which wraps functions declared inside a callback given to
      // page.evaluate() in __name(...); the page has no such helper, so give it a harmless one.
      await context.addInitScript('globalThis.__name ??= (fn) => fn;');
      const page = context.pages()[0] ?? (await context.newPage());
      page.on('dialog', (dialog) => void dialog.dismiss().catch(() => undefined));
      host.context = context;
      host.page = page;
      await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
      await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: options.workbenchTimeoutMs ?? 120_000 });
      // The activity bar and the status bar are drawn once the workbench has restored its parts.
      await page.locator('.part.activitybar .action-item').first().waitFor({ state: 'visible', timeout: 60_000 });
    } catch (err) {
      if (host.page) await screenshot(host.page, `${name}-startup-failure`).catch(() => undefined);
      await stop();
      throw new Error(`${(err as Error).message}\n--- code-server output ---\n${running.log().slice(-4000)}`);
    }
  };
  await openWorkbench();
  return host;
}

async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${name.replace(/[^\w.-]+/g, '-')}.png`);
  await page.screenshot({ path: file });
  return file;
}

async function runCommand(page: Page, title: string): Promise<void> {
  // A webview or editor that finishes opening just then (a Markdown preview, say) takes the focus and
  // closes the palette under the test's hands: open it again rather than fail on someone else's timing.
  // A failed click ran nothing, so trying again never runs a command twice.
  for (let attempt = 1; ; attempt++) {
    try {
      await pickCommand(page, title);
      return;
    } catch (err) {
      if (attempt === 3 || /no command titled/.test((err as Error).message)) throw err;
      await delay(500);
    }
  }
}

async function pickCommand(page: Page, title: string): Promise<void> {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await closeQuickInput(page);
  await page.keyboard.press('F1');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(`>${title}`, { timeout: 5_000 });
  const rows = page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
  const deadline = Date.now() + 15_000;
  for (;;) {
    const labels = await rows.evaluateAll((els) =>
      els.map((el) => (el.querySelector('.label-name')?.textContent ?? '').replace(/\s+/g, ' ').trim()),
    );
    const index = labels.indexOf(title);
    if (index >= 0) {
      await rows.nth(index).click({ timeout: 5_000 });
      await input.waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
      return;
    }
    if (Date.now() > deadline) {
      await page.keyboard.press('Escape');
      throw new Error(`no command titled "${title}" in the palette; it offered: ${JSON.stringify(labels)}`);
    }
    await delay(200);
  }
}

async function closeQuickInput(page: Page): Promise<void> {
  if (await page.locator('.quick-input-widget').isVisible()) await page.keyboard.press('Escape');
}

async function problems(page: Page): Promise<ProblemRow[]> {
  const panel = page.locator('.markers-panel');
  if (!(await panel.isVisible())) {
    await runCommand(page, 'View: Focus Problems (Errors, Warnings, Infos)').catch(async () => {
      await page.keyboard.press('Control+Shift+M');
    });
    await panel.waitFor({ state: 'visible', timeout: 10_000 });
  }
  await delay(300); // the tree refreshes asynchronously after a change
  return panel.locator('.monaco-list-row').evaluateAll((rows) =>
    rows.map((row) => {
      const ariaLabel = row.getAttribute('aria-label') ?? '';
      const text = ((row as HTMLElement).innerText ?? '').replace(/\s+/g, ' ').trim();
      const icon = row.querySelector('.marker-icon, .codicon');
      const cls = icon?.className ?? '';
      const kind: 'file' | 'error' | 'warning' | 'info' = row.querySelector('.marker-message-details, .marker-line')
        ? /warning/.test(cls)
          ? 'warning'
          : /info/.test(cls)
            ? 'info'
            : 'error'
        : 'file';
      return { kind, text, ariaLabel };
    }),
  );
}

function activityBarItems(page: Page): Locator {
  // The view containers (the first, "Active View Switcher" list), not Accounts and Manage below.
  return page.locator('.part.activitybar ul.actions-container[role="tablist"] .action-item a.action-label');
}

/** "Explorer (Ctrl+Shift+E)" -> "Explorer"; "Source Control (Ctrl+Shift+G) - 1 pending changes" -> "Source Control". */
function activityTitle(ariaLabel: string): string {
  return ariaLabel.replace(/\s+-\s+.*$/, '').replace(/\s*\([^)]*\)\s*$/, '').trim();
}

async function activityBarTitles(page: Page): Promise<string[]> {
  const labels = await activityBarItems(page).evaluateAll((els) => els.map((el) => el.getAttribute('aria-label') ?? ''));
  return labels.map(activityTitle).filter((l) => l.length > 0);
}

async function waitForActivityBarItem(page: Page, title: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await activityBarTitles(page)).includes(title)) {
    if (Date.now() > deadline) {
      throw new Error(`no Activity Bar item titled "${title}" after ${timeoutMs} ms; there are: ${JSON.stringify(await activityBarTitles(page))}`);
    }
    await delay(250);
  }
}

async function openViewContainer(page: Page, title: string): Promise<void> {
  await waitForActivityBarItem(page, title, 30_000);
  const items = activityBarItems(page);
  const labels = await items.evaluateAll((els) => els.map((el) => el.getAttribute('aria-label') ?? ''));
  const item = items.nth(labels.map(activityTitle).indexOf(title));
  const checked = await item.evaluate((el) => el.closest('.action-item')?.classList.contains('checked') ?? false);
  if (!checked) await item.click();
  await page.locator('.part.sidebar').waitFor({ state: 'visible', timeout: 10_000 });
}

/** The pane of the (visible) view with this title, expanded. */
async function viewPane(page: Page, viewTitle: string, timeoutMs: number): Promise<Locator> {
  // A container with a single view hides that view's header; its h3 title is still there.
  const pane = page.locator('.part.sidebar .pane, .part.auxiliarybar .pane, .part.panel .pane').filter({
    has: page.locator('.pane-header h3.title', { hasText: new RegExp(`^\\s*${escapeRegExp(viewTitle)}\\s*$`, 'i') }),
  });
  const deadline = Date.now() + timeoutMs;
  while ((await pane.count()) === 0) {
    if (Date.now() > deadline) {
      const titles = await page.locator('.pane-header h3.title').allTextContents();
      throw new Error(`no visible view titled "${viewTitle}"; visible views: ${JSON.stringify(titles)}`);
    }
    await delay(250);
  }
  const view = pane.first();
  const header = view.locator('.pane-header');
  if ((await header.getAttribute('aria-expanded')) === 'false') await header.click();
  return view;
}

async function treeRows(page: Page, viewTitle: string, options: { atLeast?: number; timeoutMs?: number } = {}): Promise<TreeRow[]> {
  const { atLeast = 1, timeoutMs = 10_000 } = options;
  const deadline = Date.now() + timeoutMs;
  const view = await viewPane(page, viewTitle, timeoutMs);
  const rows = view.locator('.pane-body .monaco-list-row');
  while ((await rows.count()) < atLeast && Date.now() < deadline) await delay(250);
  return rows.evaluateAll((els) =>
    els.map((row) => {
      const clean = (el: Element | null) => ((el as HTMLElement | null)?.innerText ?? '').replace(/\s+/g, ' ').trim();
      const expanded = row.getAttribute('aria-expanded');
      return {
        label: clean(row.querySelector('.label-name')) || clean(row.querySelector('.monaco-icon-label')) || clean(row),
        description: clean(row.querySelector('.label-description')),
        ariaLabel: (row.getAttribute('aria-label') ?? '').trim(),
        level: Number(row.getAttribute('aria-level') ?? '1'),
        expanded: expanded === null ? undefined : expanded === 'true',
        icon: /\bcodicon-([\w-]+)/.exec(row.querySelector('.custom-view-tree-node-item-icon')?.className ?? '')?.[1] ?? '',
        actions: [...row.querySelectorAll('.actions .action-label')].map((a) => (a.getAttribute('aria-label') ?? '').replace(/\s*\([^)]*\)$/, '')),
      };
    }),
  );
}

async function clickTreeRowAction(page: Page, viewTitle: string, rowLabel: string, action: string, timeoutMs = 10_000): Promise<void> {
  const view = await viewPane(page, viewTitle, timeoutMs);
  const row = view
    .locator('.pane-body .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^\\s*${escapeRegExp(rowLabel)}\\s*$`) }) })
    .first();
  await row.waitFor({ state: 'visible', timeout: timeoutMs });
  // Inline actions show on hover (or on the focused row).
  await row.hover();
  // The label may end with the action's keybinding: "Start Worker (Ctrl+Alt+G)".
  const label = JSON.stringify(action);
  const labelThenKey = JSON.stringify(`${action} (`);
  await row.locator(`.actions .action-label:is([aria-label=${label}], [aria-label^=${labelThenKey}])`).first().click({ timeout: timeoutMs });
  // A click in the moment the tree redraws reaches the command without its row (VS Code forgets which
  // element a row stands for until it has asked again; see tasksTree.ts), and the command then asks which
  // task or worker: answer as the person would, with the row that was clicked.
  const asked = page.locator('.quick-input-widget .quick-input-title', { hasText: /\bwhich\b/i });
  if (await asked.waitFor({ state: 'visible', timeout: 1_000 }).then(() => true, () => false)) {
    const labels = await quickPickItems(page, 2_000).catch(() => [] as string[]);
    if (labels.includes(rowLabel)) await chooseQuickPickItem(page, rowLabel);
  }
}

function quickPickRows(page: Page): Locator {
  return page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
}

async function quickPickItems(page: Page, timeoutMs = 10_000): Promise<string[]> {
  const rows = quickPickRows(page);
  await rows.first().waitFor({ state: 'visible', timeout: timeoutMs });
  return rows.evaluateAll((els) => els.map((el) => (el.querySelector('.label-name')?.textContent ?? '').replace(/\s+/g, ' ').trim()));
}

async function chooseQuickPickItem(page: Page, label: string): Promise<void> {
  const labels = await quickPickItems(page);
  const index = labels.indexOf(label);
  if (index < 0) throw new Error(`no item "${label}" in the quick pick; it offers: ${JSON.stringify(labels)}`);
  await quickPickRows(page).nth(index).click();
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
}

async function waitForNotification(page: Page, text: string | RegExp, timeoutMs = 20_000): Promise<string> {
  const message = page.locator('.notifications-toasts .notification-list-item-message', { hasText: text });
  await message.first().waitFor({ state: 'visible', timeout: timeoutMs });
  return (await message.first().innerText()).trim();
}

/**
 * Rests the mouse on `target` until the hover `tooltip` shows, and returns the tooltip. A tree item's
 * tooltip shows only once the mouse rests on it, and not when the mouse was already there or the row was
 * redrawn under it: move off and onto it afresh until it does.
 */
export async function hoverUntilShown(page: Page, target: Locator, tooltip: Locator, timeoutMs = 20_000): Promise<Locator> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await page.mouse.move(700, 300);
    const box = await target.boundingBox();
    if (box) {
      await page.mouse.move(box.x + 5, box.y + box.height / 2, { steps: 5 });
      await page.mouse.move(box.x + 10, box.y + box.height / 2, { steps: 5 });
      if (await tooltip.waitFor({ state: 'visible', timeout: 3000 }).then(() => true, () => false)) return tooltip;
    }
    if (Date.now() > deadline) throw new Error(`no tooltip ${String(tooltip)} over ${String(target)} after ${timeoutMs} ms`);
    await delay(100);
  }
}

/** Kills every process whose command line mentions `marker` (a unique temp path): the last resort. */
export function killProcessesMentioning(marker: string): number {
  if (!fs.existsSync('/proc')) return 0;
  let killed = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let cmdline: string;
    try {
      cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (cmdline.includes(marker)) {
      try {
        process.kill(Number(entry), 'SIGKILL');
        killed++;
      } catch {
        /* already gone */
      }
    }
  }
  return killed;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
