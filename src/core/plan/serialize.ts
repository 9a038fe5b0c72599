// Writes a plan model as baton.yaml text (used by Import Markdown Plan).
import type { Plan } from './model';

export function planToYaml(plan: Plan): string {
  void plan;
  throw new Error('not implemented yet');
}
