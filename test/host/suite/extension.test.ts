// Runs inside the real extension host (see ../runner-extension): `vscode` here is VS Code's API.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

describe('Baton in the extension host', () => {
  it('is installed and activates on a workspace with baton.yaml', async function () {
    this.timeout(45_000);
    const ext = vscode.extensions.getExtension('baton-dev.baton');
    assert.ok(ext, 'extension baton-dev.baton is not installed');
    // It activates by itself (workspaceContains:baton.yaml); give it the time a slow machine needs.
    const deadline = Date.now() + 30_000;
    while (!ext.isActive && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.equal(ext.isActive, true, 'baton-dev.baton did not activate within 30 s');
  });
});
