// A cloned repository's .vscode/settings.json must not start workers nor raise how many run at once.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { autoStartSetting, maxWorkersSetting, type InspectableConfiguration } from '../../src/extension/userSettings';

/** Settings as VS Code's `inspect` gives them: a user (global) value and a workspace value, each optional. */
function settings(values: Record<string, { globalValue?: unknown; workspaceValue?: unknown; workspaceFolderValue?: unknown }>): InspectableConfiguration {
  return { inspect: <T>(key: string) => values[key] as { globalValue?: T } | undefined };
}

describe('settings that start workers: user settings only', () => {
  it('ignores autoStart and maxWorkers that a repository sets in its workspace settings', () => {
    const repo = settings({ autoStart: { workspaceValue: true, workspaceFolderValue: true }, maxWorkers: { workspaceValue: 64, workspaceFolderValue: 64 } });
    assert.equal(autoStartSetting(repo), false);
    assert.equal(maxWorkersSetting(repo), undefined, 'the plan decides');
  });

  it('follows the person\'s own user settings', () => {
    const mine = settings({ autoStart: { globalValue: true, workspaceValue: false }, maxWorkers: { globalValue: 2, workspaceValue: 64 } });
    assert.equal(autoStartSetting(mine), true);
    assert.equal(maxWorkersSetting(mine), 2);
  });

  it('takes no nonsense count from user settings either', () => {
    for (const value of [0, -1, 1.5, '8', null]) assert.equal(maxWorkersSetting(settings({ maxWorkers: { globalValue: value } })), undefined, String(value));
  });

  it('declares both user-scoped (application) and restricted in untrusted workspaces', () => {
    const manifest = JSON.parse(readFileSync('package.json', 'utf8'));
    const properties = manifest.contributes.configuration.properties;
    const restricted: string[] = manifest.capabilities.untrustedWorkspaces.restrictedConfigurations;
    for (const key of ['baton.autoStart', 'baton.maxWorkers']) {
      assert.equal(properties[key].scope, 'application', key);
      assert.ok(restricted.includes(key), `${key} is restricted`);
    }
  });
});
