// Git's rules for branch names (`git check-ref-format --branch`), checked while a plan is read, so a
// value that git would refuse, or read as an option, is a plan problem with a position rather than a
// failure at Start Worker.

/** Why `name` cannot be a branch name, or undefined when git would accept it. */
export function branchNameProblem(name: string): string | undefined {
  if (name === '') return 'it is empty';
  if (name.startsWith('-')) return 'it starts with "-", so git would read it as an option';
  if (name === '@') return 'it is "@"';
  if (/[\u0000-\u0020\u007f~^:?*[\\]/.test(name)) return 'it holds a space, a control character or one of ~ ^ : ? * [ \\';
  if (name.includes('..')) return 'it holds ".."';
  if (name.includes('@{')) return 'it holds "@{"';
  if (name.includes('//') || name.startsWith('/') || name.endsWith('/')) return 'it has an empty part between slashes';
  if (name.endsWith('.')) return 'it ends with "."';
  for (const part of name.split('/')) {
    if (part.startsWith('.')) return `its part "${part}" starts with "."`;
    if (part.endsWith('.lock')) return `its part "${part}" ends with ".lock"`;
  }
  return undefined;
}
