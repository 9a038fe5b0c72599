// The extension's manifest as VS Code reads it: a key written twice in package.json is not an error to
// JSON.parse, which silently keeps the last one (a second `editor/title` once dropped Approve Task from
// the review diff's title bar). YAML, a superset of JSON, refuses duplicate keys, so it checks for them.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';

describe('package.json', () => {
  const text = readFileSync('package.json', 'utf8');
  const manifest = JSON.parse(text);
  const menus = manifest.contributes.menus as Record<string, { command: string; when?: string; group?: string }[]>;

  it('has no key written twice', () => {
    const dupes = parseDocument(text, { uniqueKeys: true }).errors.filter((e) => e.code === 'DUPLICATE_KEY');
    assert.deepEqual(dupes.map((e) => e.message.split('\n')[0]), []);
  });

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
