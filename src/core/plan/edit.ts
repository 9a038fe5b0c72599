// Edits to a YAML plan that keep the user's comments and formatting (yaml Document API).

export interface NewTask {
  id: string;
  title: string;
  description?: string;
  deps?: string[];
  files?: string[];
  estimate?: string;
}

/** Returns the plan text with the task appended to `tasks:`. Throws with a clear message if the text is not a YAML plan. */
export function appendTask(text: string, task: NewTask): string {
  void text;
  void task;
  throw new Error('not implemented yet');
}
