// Every word VS Code shows from Baton's manifest comes from package.nls.json (so a translation,
// package.nls.<locale>.json, covers all of it), and l10n/bundle.l10n.json holds every vscode.l10n.t
// string of src/extension as the sources have it now (regenerated with `npm run l10n`).
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
const readJson = (file: string) => JSON.parse(fs.readFileSync(path.join(root, file), 'utf8'));

type Json = Record<string, unknown>;

/**
 * The manifest's user-facing strings, by where they are: the fields VS Code shows in its UI (the
 * palette, views, welcome content, menus, walkthroughs, the Settings editor, the Restricted Mode dialog).
 */
function userFacingStrings(manifest: Json): { where: string; value: unknown }[] {
  const found: { where: string; value: unknown }[] = [];
  const add = (where: string, value: unknown) => {
    if (value !== undefined) found.push({ where, value });
  };
  const list = (v: unknown) => (Array.isArray(v) ? (v as Json[]) : []);
  add('displayName', manifest.displayName);
  add('description', manifest.description);
  const capabilities = (manifest.capabilities ?? {}) as Json;
  for (const kind of ['untrustedWorkspaces', 'virtualWorkspaces']) {
    const c = capabilities[kind];
    if (c && typeof c === 'object') add(`capabilities.${kind}.description`, (c as Json).description);
  }
  const c = (manifest.contributes ?? {}) as Json;
  for (const cmd of list(c.commands)) {
    for (const f of ['title', 'shortTitle', 'category']) add(`command ${cmd.command} ${f}`, cmd[f]);
  }
  for (const [where, containers] of Object.entries((c.viewsContainers ?? {}) as Record<string, Json[]>)) {
    for (const vc of containers) add(`viewsContainers.${where} ${vc.id} title`, vc.title);
  }
  for (const [where, views] of Object.entries((c.views ?? {}) as Record<string, Json[]>)) {
    for (const v of views) for (const f of ['name', 'contextualTitle']) add(`views.${where} ${v.id} ${f}`, v[f]);
  }
  list(c.viewsWelcome).forEach((w, i) => add(`viewsWelcome[${i}] (${w.view}) contents`, w.contents));
  for (const s of list(c.submenus)) add(`submenu ${s.id} label`, s.label);
  for (const [menu, items] of Object.entries((c.menus ?? {}) as Record<string, Json[]>)) {
    for (const item of items) if (item.submenu) add(`menus.${menu} ${item.submenu} title`, item.title);
  }
  for (const w of list(c.walkthroughs)) {
    add(`walkthrough ${w.id} title`, w.title);
    add(`walkthrough ${w.id} description`, w.description);
    for (const s of list(w.steps)) {
      add(`walkthrough ${w.id} step ${s.id} title`, s.title);
      add(`walkthrough ${w.id} step ${s.id} description`, s.description);
      const media = (s.media ?? {}) as Json;
      add(`walkthrough ${w.id} step ${s.id} media.altText`, media.altText);
    }
  }
  for (const t of list(c.taskDefinitions)) {
    for (const [name, p] of Object.entries(((t.properties ?? {}) as Record<string, Json>))) add(`taskDefinition ${t.type} ${name} description`, p.description);
  }
  const configurations = Array.isArray(c.configuration) ? (c.configuration as Json[]) : c.configuration ? [c.configuration as Json] : [];
  const settings = (prefix: string, properties: Record<string, Json>) => {
    for (const [name, p] of Object.entries(properties)) {
      const at = `setting ${prefix}${name}`;
      for (const f of ['description', 'markdownDescription', 'deprecationMessage', 'markdownDeprecationMessage']) add(`${at} ${f}`, p[f]);
      for (const f of ['enumDescriptions', 'markdownEnumDescriptions']) {
        if (Array.isArray(p[f])) (p[f] as unknown[]).forEach((d, i) => add(`${at} ${f}[${i}]`, d));
      }
      if (p.properties) settings(`${prefix}${name}.`, p.properties as Record<string, Json>);
      if (p.items && typeof p.items === 'object' && (p.items as Json).properties) settings(`${prefix}${name}[].`, (p.items as Json).properties as Record<string, Json>);
      if (p.additionalProperties && typeof p.additionalProperties === 'object') settings(`${prefix}${name}.*.`, { '': p.additionalProperties as Json });
    }
  };
  for (const conf of configurations) {
    add('configuration title', conf.title);
    settings('', (conf.properties ?? {}) as Record<string, Json>);
  }
  return found;
}

const KEY = /^%([^%]+)%$/;

describe('Localization', () => {
  const manifest = readJson('package.json') as Json;
  const nls = readJson('package.nls.json') as Record<string, string>;

  it('every user-facing string in package.json is a %key% with an entry in package.nls.json', () => {
    const strings = userFacingStrings(manifest);
    assert.ok(strings.length > 50, `the manifest's strings are found (${strings.length})`);
    const literal = strings.filter((s) => typeof s.value !== 'string' || !KEY.test(s.value));
    assert.deepEqual(literal.map((s) => `${s.where}: ${JSON.stringify(s.value)}`), [], 'literal text in package.json: move it to package.nls.json and refer to it as "%key%"');
    const missing = strings.map((s) => KEY.exec(s.value as string)![1]).filter((k) => typeof nls[k] !== 'string' || nls[k].trim() === '');
    assert.deepEqual(missing, [], 'keys that package.nls.json does not define');
  });

  it('package.nls.json has no key that package.json does not use', () => {
    const used = new Set([...JSON.stringify(manifest).matchAll(/"%([^%"]+)%"/g)].map((m) => m[1]));
    assert.deepEqual(Object.keys(nls).filter((k) => !used.has(k)), []);
  });

  it('finds a literal string in a manifest, and a key with no entry', () => {
    // The check itself, on a manifest with one of each mistake.
    const bad = {
      contributes: {
        commands: [{ command: 'x.a', title: 'Literal title', category: '%cat%' }],
        configuration: { title: '%t%', properties: { 'x.s': { type: 'string', enum: ['a'], markdownEnumDescriptions: ['literal'] } } },
        viewsWelcome: [{ view: 'x', contents: 'Literal welcome' }],
      },
    };
    const literal = userFacingStrings(bad).filter((s) => typeof s.value !== 'string' || !KEY.test(s.value)).map((s) => s.where);
    assert.deepEqual(literal, ['command x.a title', 'viewsWelcome[0] (x) contents', 'setting x.s markdownEnumDescriptions[0]']);
  });

  it('package.json names the l10n folder, and the packaged extension includes it and package.nls.json', () => {
    assert.equal(manifest.l10n, './l10n');
    assert.ok(fs.existsSync(path.join(root, 'l10n', 'bundle.l10n.json')));
    // .vscodeignore is an allowlist: everything is left out but what it names with `!`.
    const allowed = fs.readFileSync(path.join(root, '.vscodeignore'), 'utf8').split('\n').filter((l) => l.startsWith('!')).map((l) => l.slice(1).trim());
    assert.ok(allowed.includes('package.nls.json'), '.vscodeignore lets package.nls.json in');
    assert.ok(allowed.some((p) => p === 'l10n/**' || p === 'l10n/*.json'), '.vscodeignore lets l10n/ in');
  });

  it('every l10n.t call in src/extension passes its message as one string literal, which the bundle holds', () => {
    // The export reads literals only: a message built with + or a variable is never offered for translation.
    const bundle = readJson(path.join('l10n', 'bundle.l10n.json')) as Record<string, string>;
    const wrong: string[] = [];
    let calls = 0;
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else if (entry.name.endsWith('.ts')) {
          const text = fs.readFileSync(file, 'utf8');
          for (const call of text.matchAll(/\bl10n\.t\(\s*/g)) {
            calls++;
            const rest = text.slice(call.index! + call[0].length);
            const literal = /^(['"])((?:\\.|(?!\1)[^\\\n])*)\1\s*[,)]/.exec(rest);
            const where = `${path.relative(root, file)}:${text.slice(0, call.index).split('\n').length}`;
            if (!literal) {
              wrong.push(`${where}: not a single string literal`);
              continue;
            }
            const message = new Function(`return ${literal[1]}${literal[2]}${literal[1]};`)() as string;
            if (!(message in bundle)) wrong.push(`${where}: not in l10n/bundle.l10n.json: ${JSON.stringify(message)}`);
          }
        }
      }
    };
    walk(path.join(root, 'src', 'extension'));
    assert.ok(calls > 100, `the calls are found (${calls})`);
    assert.deepEqual(wrong, []);
  });

  it('l10n/bundle.l10n.json is what `npm run l10n` makes from the sources now', function () {
    this.timeout(60_000);
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-l10n-'));
    try {
      const cli = path.join(root, 'node_modules', '@vscode', 'l10n-dev', 'dist', 'cli.js');
      const result = spawnSync(process.execPath, [cli, 'export', '--outDir', out, path.join(root, 'src', 'extension')], { encoding: 'utf8' });
      assert.equal(result.status, 0, `l10n-dev export failed:\n${result.stdout}\n${result.stderr}`);
      const fresh = JSON.parse(fs.readFileSync(path.join(out, 'bundle.l10n.json'), 'utf8')) as Record<string, string>;
      const committed = readJson(path.join('l10n', 'bundle.l10n.json')) as Record<string, string>;
      const added = Object.keys(fresh).filter((k) => !(k in committed));
      const gone = Object.keys(committed).filter((k) => !(k in fresh));
      assert.deepEqual({ added, gone }, { added: [], gone: [] }, 'l10n/bundle.l10n.json is out of date: run `npm run l10n` and commit it');
      assert.deepEqual(committed, fresh);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
