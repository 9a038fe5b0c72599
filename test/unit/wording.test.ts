// Worker-written words inside Markdown (tooltips, reports): shown as the worker wrote them, never as an
// image that loads, a link, or HTML.
import { strict as assert } from 'node:assert';
import { escapeMarkdown, inlineCode } from '../../src/extension/wording';

describe('Worker text in Markdown', () => {
  it('escapes images, links and HTML so they read as text', () => {
    assert.equal(
      escapeMarkdown('![x](http://127.0.0.1:1/beacon.png) [a](command:x) <img src=y>'),
      '!\\[x\\](http://127.0.0.1:1/beacon.png) \\[a\\](command:x) \\<img src=y\\>',
    );
  });

  it('puts a value in a code span that a backtick inside cannot close', () => {
    assert.equal(inlineCode('src/a.ts'), '`src/a.ts`');
    assert.equal(inlineCode('a`![y](http://h/i.png)`'), '`` a`![y](http://h/i.png)` ``');
    assert.equal(inlineCode('x ``` y'), '```` x ``` y ````');
    assert.equal(inlineCode('npm test\n  -- --grep a'), '`npm test -- --grep a`', 'one line: a blank line would end the span');
  });
});
