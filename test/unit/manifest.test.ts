// The review menus of the extension's manifest: what a person should find where (a second `editor/title`
// key once dropped Approve Task from the review diff's title bar; npm run lint now refuses keys written twice).
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';

describe('package.json', () => {
  const text = readFileSync('package.json', 'utf8');
  const manifest = JSON.parse(text);
  const menus = manifest.contributes.menus as Record<string, { command: string; when?: string; group?: string }[]>;

  it('offers Approve Task in the title bar of a review diff, and Request Changes on a review comment', () => {
    assert.ok(menus['editor/title'].some((m) => m.command === 'baton.approveTask' && /activeEditor == multiDiffEditor && baton\.reviewDiffShown/.test(m.when ?? '')));
    assert.ok(menus['comments/commentThread/context'].some((m) => m.command === 'baton.requestChangesFromComment' && m.when === 'commentController == baton-review'));
  });

  it('declares every command a menu names', () => {
    const declared = new Set((manifest.contributes.commands as { command: string }[]).map((c) => c.command));
    const named = Object.values(menus).flat().map((m) => m.command);
    assert.deepEqual(named.filter((c) => !declared.has(c)), []);
  });
});
