// Small wording rules shared by the tree, messages and the reports. (Counts are localized where they are
// said: "1 task" and "{0} tasks" are two messages, since languages make plurals differently.)

/** User text (titles, personas) inside Markdown, so `*` or `|` in a title is shown, not interpreted. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]<>#|]/g, '\\$&');
}

/**
 * A value (a path, a gate command, a task id) as Markdown inline code. The fence is longer than any run of
 * backticks inside, so a backtick in a worker's file glob cannot close the span early and turn the rest
 * into Markdown (an image that loads, a link).
 */
export function inlineCode(text: string): string {
  const flat = text.replace(/\s*\n\s*/g, ' ');
  const longest = Math.max(0, ...[...flat.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = longest ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/**
 * Text a worker wrote, for a notification: VS Code turns `[label](command:…)` (also https: and file:) in a
 * notification into a clickable link, so a worker could offer the person a button that runs any command.
 * A space between `]` and `(` keeps the words and breaks the link.
 */
export function noLinks(text: string): string {
  return text.replace(/\]\s*\(/g, '] (');
}
