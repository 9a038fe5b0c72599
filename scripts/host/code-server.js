// code-server (a real VS Code: server + web workbench) for host tests and `npm start`.
// Used by test/host/harness.ts and scripts/start.js; the install itself is setup-code-server.sh.
'use strict';

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const CODE_SERVER_VERSION = '4.100.3';
const SETUP_SCRIPT = path.join(__dirname, 'setup-code-server.sh');

/** Where setup-code-server.sh installs code-server (same rule as the script). */
function codeServerDir() {
  if (process.env.BATON_CODE_SERVER_DIR) return path.resolve(process.env.BATON_CODE_SERVER_DIR);
  const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cache, 'baton', `code-server-${CODE_SERVER_VERSION}`);
}

function entryPoint(dir) {
  return path.join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
}

/**
 * Runs the setup script (fast when already installed) and returns the install folder. `browser: false`
 * (npm start) leaves out Chromium, which only the tests need to drive the workbench.
 */
function ensureCodeServer({ browser = true } = {}) {
  const env = browser ? process.env : { ...process.env, BATON_NO_BROWSER: '1' };
  const result = spawnSync('bash', [SETUP_SCRIPT], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', env });
  if (result.status !== 0) {
    throw new Error(`${SETUP_SCRIPT} failed (exit ${result.status ?? result.signal})`);
  }
  const dir = result.stdout.trim().split('\n').pop();
  if (!dir || !fs.existsSync(entryPoint(dir))) throw new Error(`code-server not found after setup in ${dir}`);
  return dir;
}

/** Runs the code-server CLI to completion (extension installs and the like). */
function codeServerCli(dir, args, { configFile } = {}) {
  const config = configFile || path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'baton-cs-cli-')), 'config.yaml');
  const result = spawnSync(process.execPath, [entryPoint(dir), '--config', config, ...args], {
    encoding: 'utf8',
    env: { ...process.env, CS_DISABLE_FILE_DOWNLOADS: '1' },
    timeout: 120_000,
  });
  if (!configFile) fs.rmSync(path.dirname(config), { recursive: true, force: true });
  if (result.status !== 0) {
    throw new Error(
      `code-server ${args.join(' ')} failed (exit ${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result.stdout;
}

/** Installs each .vsix into extensionsDir. */
function installExtensions(dir, extensionsDir, vsixPaths) {
  if (vsixPaths.length === 0) return;
  fs.mkdirSync(extensionsDir, { recursive: true });
  const args = ['--extensions-dir', extensionsDir, '--force'];
  for (const vsix of vsixPaths) args.push('--install-extension', path.resolve(vsix));
  codeServerCli(dir, args);
}

/** A TCP port on 127.0.0.1 that was free a moment ago; `preferred` if it is free. */
function freePort(preferred) {
  const tryPort = (port) =>
    new Promise((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        const actual = server.address().port;
        server.close(() => resolve(actual));
      });
    });
  if (preferred) return tryPort(preferred).catch(() => tryPort(0));
  return tryPort(0);
}

// A detached watcher that ends the given process groups once our process is gone (its stdin pipe
// closes however we die, SIGKILL included), so no code-server outlives the test or `npm start`.
const REAPER = `
const groups = process.argv.slice(1).map(Number);
process.stdin.resume();
process.stdin.on('end', () => {
  for (const g of groups) { try { process.kill(-g, 'SIGTERM'); } catch {} }
  setTimeout(() => { for (const g of groups) { try { process.kill(-g, 'SIGKILL'); } catch {} } process.exit(0); }, 3000);
});`;

function startReaper(groups) {
  const reaper = spawn(process.execPath, ['-e', REAPER, ...groups.map(String)], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  reaper.unref();
  // Keep the pipe open for our lifetime without keeping the event loop alive.
  reaper.stdin.unref();
  return reaper;
}

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

function groupAlive(pid) {
  return killGroup(pid, 0);
}

/**
 * Starts code-server on 127.0.0.1 and resolves once it answers HTTP.
 * Returns { url, port, pid, log(), stop() }; stop() ends its whole process group.
 */
async function startCodeServer(options) {
  const {
    dir,
    workspace,
    userDataDir,
    extensionsDir,
    env = {},
    logFile,
    onOutput,
    startTimeoutMs = 60_000,
    workspaceTrust = false,
  } = options;
  const port = options.port || (await freePort());
  fs.mkdirSync(userDataDir, { recursive: true });
  fs.mkdirSync(extensionsDir, { recursive: true });
  const args = [
    entryPoint(dir),
    '--config', path.join(userDataDir, 'code-server-config.yaml'),
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    ...(workspaceTrust ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override',
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
  ];
  if (workspace) args.push(workspace);
  const child = spawn(process.execPath, args, {
    detached: true, // own process group: stop() ends the server, its extension hosts and pty host
    stdio: ['ignore', 'pipe', 'pipe'],
    // VSCODE_CLI=1: otherwise VS Code's server replaces this environment with a login shell's, and a
    // profile that resets PATH hides what the person has installed (Claude Code among it).
    env: { ...process.env, VSCODE_CLI: '1', ...env },
  });
  const reaper = startReaper([child.pid]);
  let output = '';
  const logStream = logFile ? fs.createWriteStream(logFile) : undefined;
  const collect = (chunk) => {
    const text = chunk.toString();
    output += text;
    if (output.length > 1_000_000) output = output.slice(-500_000);
    logStream?.write(text);
    onOutput?.(text);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  let exited = false;
  const exitPromise = new Promise((resolve) => child.once('exit', (code, signal) => {
    exited = true;
    resolve({ code, signal });
  }));

  const onExit = () => killGroup(child.pid, 'SIGKILL');
  process.once('exit', onExit);

  let stopped;
  const stop = () => {
    if (stopped) return stopped;
    stopped = (async () => {
      process.removeListener('exit', onExit);
      if (groupAlive(child.pid)) {
        killGroup(child.pid, 'SIGTERM');
        const deadline = Date.now() + 5000;
        while (groupAlive(child.pid) && Date.now() < deadline) await delay(100);
        if (groupAlive(child.pid)) killGroup(child.pid, 'SIGKILL');
      }
      if (!exited) await Promise.race([exitPromise, delay(2000)]);
      try { reaper.kill('SIGKILL'); } catch { /* already gone */ }
      await new Promise((resolve) => (logStream ? logStream.end(resolve) : resolve()));
    })();
    return stopped;
  };

  // The same, at once and synchronously (for process 'exit' and signal handlers).
  const kill = () => {
    process.removeListener('exit', onExit);
    killGroup(child.pid, 'SIGKILL');
    try { reaper.kill('SIGKILL'); } catch { /* already gone */ }
  };

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`code-server exited before it was ready:\n${output}`);
    }
    if (await answers(`${url}/healthz`)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not answer on ${url} within ${startTimeoutMs} ms:\n${output}`);
    }
    await delay(200);
  }
  return { url, port, pid: child.pid, log: () => output, stop, kill };
}

function answers(url) {
  return fetch(url, { signal: AbortSignal.timeout(2000) }).then(
    (res) => res.ok,
    () => false,
  );
}

function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

module.exports = {
  CODE_SERVER_VERSION,
  codeServerDir,
  ensureCodeServer,
  codeServerCli,
  installExtensions,
  freePort,
  startCodeServer,
};
