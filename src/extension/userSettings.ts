// Settings that start workers on the person's machine are the person's own: a repository's
// .vscode/settings.json cannot choose them (design.md, "Trust boundary"). They are read from user
// settings only, and declared `application` in package.json so VS Code ignores a workspace value too.
// No 'vscode' here: a test gives it any object with `inspect`.

/** What `vscode.workspace.getConfiguration('baton')` offers, reduced to what is read here. */
export interface InspectableConfiguration {
  inspect<T>(section: string): { globalValue?: T } | undefined;
}

/** `baton.autoStart`, from user settings only. */
export function autoStartSetting(config: InspectableConfiguration): boolean {
  return config.inspect<boolean>('autoStart')?.globalValue === true;
}

/** `baton.maxWorkers`, from user settings only; undefined (the plan decides) when unset or not a count. */
export function maxWorkersSetting(config: InspectableConfiguration): number | undefined {
  const value = config.inspect<number | null>('maxWorkers')?.globalValue;
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 ? value : undefined;
}
