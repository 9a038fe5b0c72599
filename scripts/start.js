#!/usr/bin/env node
// `npm start`: Baton in VS Code on a demo workspace, to try it by hand.
//
// Makes demo/ (a small git repository with a sample baton.yaml; gitignored) on first run, then
//  - with a local `code` command: builds Baton, opens demo/ in VS Code with Baton loaded from this
//    folder (--extensionDevelopmentPath), and rebuilds on every change until Ctrl-C;
//  - otherwise: packages Baton, installs code-server if needed (scripts/host/setup-code-server.sh),
//    starts it on 127.0.0.1:8080 (or a free port) with Baton installed, prints the URL to open, and
//    runs until Ctrl-C. Run `npm start` again to load a new build.
//
//   npm start -- --code-server     use code-server even when `code` exists
//   npm start -- --port 9000       code-server's port (also BATON_PORT)
'use strict';

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { ensureCodeServer, freePort, installExtensions, startCodeServer } = require('./host/code-server.js');

const ROOT = path.resolve(__dirname, '..');
const DEMO = path.join(ROOT, 'demo');
const STATE = path.join(ROOT, '.cache', 'start'); // code-server's user data and extensions; gitignored

function main() {
  const args = process.argv.slice(2);
  const forceCodeServer = args.includes('--code-server');
  const portArg = args.indexOf('--port');
  const port = Number(portArg >= 0 ? args[portArg + 1] : process.env.BATON_PORT || 8080);

  makeDemoWorkspace();
  if (!forceCodeServer && hasVSCode()) return runInVSCode();
  return runInCodeServer(port);
}

/** A desktop VS Code `code` command (not the `code` that code-server puts in its own terminals). */
function hasVSCode() {
  const found = (process.env.PATH || '')
    .split(path.delimiter)
    .map((d) => path.join(d, process.platform === 'win32' ? 'code.cmd' : 'code'))
    .find((f) => fs.existsSync(f));
  if (!found || /remote-cli/.test(fs.realpathSync(found))) return false;
  const r = spawnSync(found, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return r.status === 0 && /^\d+\.\d+/.test(r.stdout);
}

function npm(...args) {
  const r = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`npm ${args.join(' ')} failed`);
}

function makeDemoWorkspace() {
  if (fs.existsSync(path.join(DEMO, '.git'))) return;
  console.log(`Making the demo workspace in ${path.relative(process.cwd(), DEMO) || '.'}/ ...`);
  fs.mkdirSync(DEMO, { recursive: true });
  const sample = path.join(ROOT, 'resources', 'sample-plan.yaml');
  const plan = fs.readFileSync(sample, 'utf8');
  fs.writeFileSync(path.join(DEMO, 'baton.yaml'), plan);
  fs.writeFileSync(
    path.join(DEMO, 'README.md'),
    '# Baton demo\n\nA scratch repository for trying Baton: edit `baton.yaml`, open the Baton view.\n',
  );
  fs.writeFileSync(path.join(DEMO, '.gitignore'), '.baton/\n');
  const git = (...a) => {
    const r = spawnSync('git', a, { cwd: DEMO, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`git ${a.join(' ')} failed: ${r.stderr}`);
  };
  git('init', '--quiet', '--initial-branch=main');
  git('add', '--all');
  git('-c', 'user.name=Baton Demo', '-c', 'user.email=demo@baton.invalid', '-c', 'commit.gpgsign=false',
    'commit', '--quiet', '-m', 'Demo plan');
}

function runInVSCode() {
  npm('run', '--silent', 'build');
  console.log('Opening demo/ in VS Code with Baton from this folder; rebuilding on change (Ctrl-C stops).');
  spawnSync('code', ['--new-window', `--extensionDevelopmentPath=${ROOT}`, DEMO], { stdio: 'inherit' });
  const watch = spawn(process.execPath, [path.join(ROOT, 'esbuild.js'), '--watch'], { cwd: ROOT, stdio: 'inherit' });
  const stop = () => watch.kill('SIGTERM');
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  watch.on('exit', (code) => process.exit(code ?? 0));
}

async function runInCodeServer(preferredPort) {
  npm('run', '--silent', 'package');
  const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const vsix = path.join(ROOT, `baton-${version}.vsix`);
  // Only code-server: the browser is the person's own (Chromium is for the tests).
  const dir = ensureCodeServer({ browser: false });
  const extensionsDir = path.join(STATE, 'extensions');
  installExtensions(dir, extensionsDir, [vsix]);
  const settings = path.join(STATE, 'user-data', 'User', 'settings.json');
  if (!fs.existsSync(settings)) {
    fs.mkdirSync(path.dirname(settings), { recursive: true });
    fs.writeFileSync(settings, JSON.stringify({ 'workbench.startupEditor': 'none', 'telemetry.telemetryLevel': 'off' }, null, 2));
  }
  const port = await freePort(preferredPort);
  const server = await startCodeServer({
    dir,
    workspace: DEMO,
    userDataDir: path.join(STATE, 'user-data'),
    extensionsDir,
    port,
    logFile: path.join(STATE, 'code-server.log'),
    // The PATH npm start was run with (where `claude` is), not a login shell's.
    env: { VSCODE_CLI: '1' },
  });
  console.log(`\nBaton ${version} in code-server: ${server.url}/?folder=${encodeURIComponent(DEMO)}`);
  console.log(`(server log: ${path.relative(process.cwd(), path.join(STATE, 'code-server.log'))}; Ctrl-C stops)`);
  let stopping = false;
  const stop = () => {
    stopping = true;
    void server.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // Stay up while the server does.
  const keepAlive = setInterval(() => {
    if (stopping) return;
    try {
      process.kill(server.pid, 0);
    } catch {
      console.error('code-server stopped; see its log');
      clearInterval(keepAlive);
      process.exit(1);
    }
  }, 2000);
}


Promise.resolve()
  .then(main)
  .catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
