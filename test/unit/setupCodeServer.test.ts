// scripts/host/setup-code-server.sh: npm start needs no browser, and a system package step says what it
// would run before running it (here with a stand-in dpkg that reports Chromium missing).
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { arch, tmpdir } from 'node:os';
import { join } from 'node:path';

describe('setup-code-server.sh', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'baton-setup-'));
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'dpkg'), '#!/bin/sh\n[ "$2" = chromium ] && exit 1\nexit 0\n');
    chmodSync(join(bin, 'dpkg'), 0o755);
    // An install that counts as done, so the script stops after its package check.
    const install = join(dir, 'code-server');
    mkdirSync(join(install, 'node_modules/code-server/out/node'), { recursive: true });
    writeFileSync(join(install, 'node_modules/code-server/out/node/entry.js'), '');
    const machine = spawnSync('uname', ['-m'], { encoding: 'utf8' }).stdout.trim() || arch();
    writeFileSync(join(install, '.baton-setup-ok'), `code-server@4.100.3 node${process.versions.node.split('.')[0]} ${machine}\n`);
    env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, BATON_CODE_SERVER_DIR: install, BATON_SKIP_APT: '1' };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('without a browser (npm start) does not ask for Chromium', () => {
    const r = spawnSync('bash', ['scripts/host/setup-code-server.sh'], { env: { ...env, BATON_NO_BROWSER: '1' }, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), join(dir, 'code-server'));
    assert.doesNotMatch(r.stderr, /chromium/);
  });

  it('for the tests, names the missing Chromium and the exact command to install it', () => {
    const r = spawnSync('bash', ['scripts/host/setup-code-server.sh'], { env, encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /missing Debian packages: chromium .*apt-get update && apt-get install -y --no-install-recommends chromium/);
  });
});
