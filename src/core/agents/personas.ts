// Personas: the role a worker takes (manager, architect, engineer, intern, reviewer, or a custom one).
// Each is a Markdown prompt template: shipped in resources/personas/, overridable per workspace in
// .baton/personas/<name>.md. A name only becomes a path after it matched PERSONA_PATTERN.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PERSONA_PATTERN, type Plan, type Task } from '../plan/model';

export const BUILTIN_PERSONAS = ['manager', 'architect', 'engineer', 'intern', 'reviewer'] as const;
export const DEFAULT_PERSONA = 'engineer';
/** A persona is instructions, not a document: anything larger is a mistake worth saying so. */
export const PERSONA_MAX_BYTES = 32 * 1024;

export interface Persona {
  name: string;
  text: string;
  /** The file it was read from. */
  file: string;
  source: 'workspace' | 'built-in';
}

export class PersonaError extends Error {}

/** The task's own persona, else the plan's `defaults.persona`, else engineer. */
export function personaOf(plan: Plan, task: Task): string {
  return task.persona ?? plan.defaults.persona ?? DEFAULT_PERSONA;
}

/**
 * The folder holding the shipped templates: `resources/personas` next to the bundle (dist/ → ../resources)
 * or the source tree (src/core/agents → ../../../resources). Undefined when neither is there.
 */
export function builtinPersonasDir(from = __dirname): string | undefined {
  for (let dir = from, i = 0; i < 5; i++, dir = dirname(dir)) {
    const candidate = join(dir, 'resources', 'personas');
    if (existsSync(join(candidate, `${DEFAULT_PERSONA}.md`))) return candidate;
  }
  return undefined;
}

/** Reads a persona: `.baton/personas/<name>.md` in the repository first, then the built-in one. */
export function readPersona(root: string, name: string, builtinDir = builtinPersonasDir()): Persona {
  if (!PERSONA_PATTERN.test(name)) {
    throw new PersonaError(`Refusing persona ${JSON.stringify(name)}: use a-z, 0-9, ".", "_" and "-", starting with a letter or digit.`);
  }
  const candidates: [string, Persona['source']][] = [[join(root, '.baton', 'personas', `${name}.md`), 'workspace']];
  if (builtinDir) candidates.push([join(builtinDir, `${name}.md`), 'built-in']);
  for (const [file, source] of candidates) {
    if (!existsSync(file)) continue;
    const size = statSync(file).size;
    if (size > PERSONA_MAX_BYTES) throw new PersonaError(`The persona file ${file} is ${size} bytes; keep it under ${PERSONA_MAX_BYTES} bytes.`);
    return { name, text: readFileSync(file, 'utf8').trim(), file, source };
  }
  throw new PersonaError(
    `No persona "${name}": write .baton/personas/${name}.md in the repository, or use one of ${BUILTIN_PERSONAS.join(', ')}.`,
  );
}
