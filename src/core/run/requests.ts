// Worker requests: a worker asks for another worker by creating
// `.baton/requests/<persona>-request-<name>/instructions.md` (itself, or through `baton request`), with an
// optional `request.json` (who asked, when, deps, files). The person approves (the request becomes a task
// in the plan), or declines (the requester is told). A request that is not well-formed is listed with what
// is wrong and never becomes a task.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { PersonaError, readPersona } from '../agents/personas';
import { appendTask, type NewTask } from '../plan/edit';
import { PERSONA_PATTERN, TASK_ID_PATTERN, type PlanDiagnostic } from '../plan/model';
import { parsePlan } from '../plan/parse';
import { appendEvent } from './events';
import type { BatonLayout } from './layout';

/** `<persona>-request-<name>`: the first `-request-` splits it (a persona cannot hold one, a name may not start with `-`). */
const FOLDER_PATTERN = /^([a-z0-9][a-z0-9._-]{0,63}?)-request-([a-z0-9][a-z0-9._-]{0,63})$/;
export const INSTRUCTIONS_MAX_BYTES = 32 * 1024;
/** Anything but tab, newline and carriage return below 0x20, DEL and the C1 range: terminal escapes and the like. */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

export type RequestStatus = 'pending' | 'approved' | 'declined';

export interface WorkerRequest {
  /** The folder name under .baton/requests/: what `baton request approve` takes. */
  folder: string;
  persona?: string;
  /** The task id it would become. */
  name?: string;
  /** The task of the worker that asked; undefined when a person (or an unknown writer) made it. */
  from?: string;
  /** ISO time it was made (request.json, else the instructions file's modification time). */
  at?: string;
  deps: string[];
  files: string[];
  instructions: string;
  title: string;
  status: RequestStatus;
  /** Task id it became (approved) or why it was declined. */
  task?: string;
  reason?: string;
  /** What is wrong with it; a request with problems cannot be approved. */
  problems: string[];
}

export class RequestError extends Error {}

export function requestsDir(layout: BatonLayout): string {
  return join(layout.dir, 'requests');
}

/** Every request folder, in name order, with what is wrong with each. `taskIds`: the plan's tasks, for name collisions. */
export function listRequests(layout: BatonLayout, taskIds: ReadonlySet<string>, personasDir?: string): WorkerRequest[] {
  const dir = requestsDir(layout);
  if (!existsSync(dir)) return [];
  const out = readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((entry) => readRequest(layout, entry.name, entry.isDirectory(), personasDir));
  // Two pending requests for one name: neither may become a task until one is renamed or declined.
  const byName = new Map<string, WorkerRequest[]>();
  for (const r of out) if (r.name && r.status === 'pending') byName.set(r.name, [...(byName.get(r.name) ?? []), r]);
  for (const [name, same] of byName) {
    if (same.length > 1) for (const r of same) r.problems.push(`Another request asks for the same name "${name}": ${same.filter((o) => o !== r).map((o) => o.folder).join(', ')}. Decline one or rename its folder.`);
    if (taskIds.has(name)) for (const r of same) r.problems.push(`The plan already has a task "${name}". Rename the request's folder to a new name.`);
  }
  return out;
}

function readRequest(layout: BatonLayout, folder: string, isDir: boolean, personasDir?: string): WorkerRequest {
  const shown = JSON.stringify(folder);
  const r: WorkerRequest = { folder: CONTROL.test(folder) ? shown : folder, deps: [], files: [], instructions: '', title: '', status: 'pending', problems: [] };
  if (!isDir) {
    r.problems.push(`${shown} is not a folder: a request is a folder <persona>-request-<name> holding instructions.md.`);
    return r;
  }
  const m = FOLDER_PATTERN.exec(folder);
  if (!m) {
    r.problems.push(`The folder name ${shown} is not <persona>-request-<name> (each from a-z, 0-9, ".", "_" and "-", starting with a letter or digit).`);
    return r;
  }
  [, r.persona, r.name] = m;
  const path = join(requestsDir(layout), folder);
  try {
    readPersona(layout.root, r.persona, personasDir);
  } catch (e) {
    if (e instanceof PersonaError) r.problems.push(e.message);
  }
  const instructionsFile = join(path, 'instructions.md');
  if (!existsSync(instructionsFile)) r.problems.push('It has no instructions.md: say what to do and why in it.');
  else {
    const st = statSync(instructionsFile);
    if (!st.isFile()) r.problems.push('instructions.md is not a file.');
    else if (st.size > INSTRUCTIONS_MAX_BYTES) r.problems.push(`instructions.md is ${st.size} bytes; a request is at most ${INSTRUCTIONS_MAX_BYTES} bytes.`);
    else {
      const text = readFileSync(instructionsFile, 'utf8');
      r.at = st.mtime.toISOString();
      if (!text.trim()) r.problems.push('instructions.md is empty: say what to do and why.');
      else if (CONTROL.test(text)) r.problems.push('instructions.md holds control characters (terminal escape sequences or binary); write plain text.');
      else {
        r.instructions = text.trim();
        r.title = titleOf(r.instructions);
      }
    }
  }
  readMeta(join(path, 'request.json'), r);
  readDecision(join(path, 'decision.json'), r);
  return r;
}

/** request.json is optional (the folder protocol needs only instructions.md); what it holds must be sound. */
function readMeta(file: string, r: WorkerRequest): void {
  if (!existsSync(file)) return;
  let meta: Record<string, unknown>;
  try {
    meta = JSON.parse(readFileSync(file, 'utf8'));
    if (!meta || typeof meta !== 'object' || Array.isArray(meta)) throw new Error('not an object');
  } catch {
    r.problems.push('request.json is not a JSON object; fix or delete it.');
    return;
  }
  if (meta.from !== undefined) {
    if (typeof meta.from === 'string' && TASK_ID_PATTERN.test(meta.from)) r.from = meta.from;
    else r.problems.push(`request.json "from" ${JSON.stringify(meta.from)} is not a task id.`);
  }
  if (typeof meta.at === 'string' && !Number.isNaN(Date.parse(meta.at))) r.at = new Date(meta.at).toISOString();
  const list = (key: 'deps' | 'files', ok: (v: string) => boolean, what: string) => {
    const v = meta[key];
    if (v === undefined) return;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) r.problems.push(`request.json "${key}" must be a list of strings.`);
    else {
      const bad = v.filter((x) => !ok(x));
      if (bad.length) r.problems.push(`request.json "${key}" has ${bad.map((b) => JSON.stringify(b)).join(', ')}: ${what}`);
      else r[key] = v;
    }
  };
  list('deps', (d) => TASK_ID_PATTERN.test(d), 'not task ids.');
  list('files', (f) => f.length > 0 && f.length <= 300 && !CONTROL.test(f), 'file globs must be plain text.');
}

function readDecision(file: string, r: WorkerRequest): void {
  if (!existsSync(file)) return;
  try {
    const d = JSON.parse(readFileSync(file, 'utf8'));
    if (d?.decision === 'approved' || d?.decision === 'declined') {
      r.status = d.decision;
      if (typeof d.task === 'string') r.task = d.task;
      if (typeof d.reason === 'string') r.reason = d.reason;
    }
  } catch {
    r.problems.push('decision.json is not JSON.');
  }
}

/** The first line of the instructions, without Markdown heading marks, as the task's title. */
function titleOf(text: string): string {
  const first = text.split('\n').find((l) => l.trim()) ?? '';
  const t = first.replace(/^#+\s*/, '').trim();
  return t.length > 80 ? t.slice(0, 77) + '...' : t;
}

export interface NewRequest {
  persona: string;
  name: string;
  instructions: string;
  from?: string;
  deps?: string[];
  files?: string[];
}

/** What `baton request <persona> <name> "what and why"` does. Returns the folder name. */
export function createRequest(layout: BatonLayout, req: NewRequest, now = new Date()): string {
  if (!PERSONA_PATTERN.test(req.persona)) throw new RequestError(`${JSON.stringify(req.persona)} is not a persona name: use a-z, 0-9, ".", "_" and "-".`);
  if (!TASK_ID_PATTERN.test(req.name)) throw new RequestError(`${JSON.stringify(req.name)} cannot be a task id: use a-z, 0-9, ".", "_" and "-", starting with a letter or digit.`);
  const text = req.instructions.trim();
  if (!text) throw new RequestError('Say what to do and why: baton request <persona> <name> "what and why".');
  if (CONTROL.test(text)) throw new RequestError('The instructions hold control characters; write plain text.');
  if (Buffer.byteLength(text) > INSTRUCTIONS_MAX_BYTES) throw new RequestError(`The instructions are longer than ${INSTRUCTIONS_MAX_BYTES} bytes.`);
  for (const d of req.deps ?? []) if (!TASK_ID_PATTERN.test(d)) throw new RequestError(`--deps ${JSON.stringify(d)} is not a task id.`);
  for (const f of req.files ?? []) if (!f || CONTROL.test(f)) throw new RequestError(`--files ${JSON.stringify(f)} is not a plain file glob.`);
  const folder = `${req.persona}-request-${req.name}`;
  if (!FOLDER_PATTERN.test(folder) || FOLDER_PATTERN.exec(folder)![2] !== req.name) {
    throw new RequestError(`The persona "${req.persona}" cannot be told apart from the name in ${folder}; pick another name.`);
  }
  layout.ensureBatonDir();
  const dir = requestsDir(layout);
  mkdirSync(dir, { recursive: true });
  const taken = readdirSync(dir).find((f) => FOLDER_PATTERN.exec(f)?.[2] === req.name && !existsSync(join(dir, f, 'decision.json')));
  if (taken) throw new RequestError(`There is already a request for "${req.name}" (${taken}); pick another name.`);
  const path = join(dir, folder);
  try {
    mkdirSync(path); // not recursive: an existing folder is a collision, not something to overwrite
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new RequestError(`There is already a request ${folder}; pick another name.`);
    throw e;
  }
  const meta = { from: req.from, at: now.toISOString(), deps: req.deps ?? [], files: req.files ?? [] };
  writeFileAtomic.sync(join(path, 'request.json'), JSON.stringify(meta, null, 2) + '\n');
  writeFileAtomic.sync(join(path, 'instructions.md'), text + '\n');
  return folder;
}

/** Finds a request by its folder name, or by the name it asks for when only one request has it. */
export function findRequest(requests: WorkerRequest[], key: string): WorkerRequest {
  const exact = requests.find((r) => r.folder === key);
  if (exact) return exact;
  const byName = requests.filter((r) => r.name === key);
  if (byName.length === 1) return byName[0];
  if (byName.length > 1) throw new RequestError(`Several requests ask for "${key}": ${byName.map((r) => r.folder).join(', ')}. Name the folder.`);
  const known = requests.map((r) => r.folder).join(', ');
  throw new RequestError(`There is no request "${key}".${known ? ` Requests: ${known}.` : ' There are no requests.'}`);
}

export interface Approval {
  /** The plan text with the new task appended (comments and formatting kept). */
  text: string;
  task: NewTask;
}

/**
 * The plan text once the request is a task. Refuses (RequestError) a request with problems, one already
 * decided, or one whose task would leave the plan with errors (an unknown dependency, a cycle: named).
 * `requesterTitle`: the requester's task title, handed to the new worker as context.
 */
export function approvalText(planText: string, planFile: string, r: WorkerRequest, requesterTitle?: string): Approval {
  if (r.status !== 'pending') throw new RequestError(`${r.folder} was already ${r.status}${r.task ? ` (task "${r.task}")` : ''}.`);
  if (r.problems.length || !r.name || !r.persona) throw new RequestError(`${r.folder} cannot be approved:\n${r.problems.map((p) => `  - ${p}`).join('\n')}`);
  const context = r.from ? `\n\nAsked for by the worker on task "${r.from}"${requesterTitle ? ` (${requesterTitle})` : ''}.` : '';
  const task: NewTask = { id: r.name, title: r.title || r.name, description: r.instructions + context, deps: r.deps, files: r.files, persona: r.persona };
  let text: string;
  try {
    text = appendTask(planText, task);
  } catch (e) {
    throw new RequestError(`${r.folder} cannot be added to the plan: ${(e as Error).message}`);
  }
  const errors = parsePlan(text, planFile).diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new RequestError(`${r.folder} cannot be added: the plan would have errors:\n${errors.map(describe).join('\n')}`);
  return { text, task };
}

function describe(d: PlanDiagnostic): string {
  return `  - ${d.code}: ${d.message}`;
}

/** Records the decision in the request's folder and tells the requester through its run folder's events. */
export function recordDecision(layout: BatonLayout, r: WorkerRequest, decision: { decision: 'approved'; task: string } | { decision: 'declined'; reason: string }, now = new Date()): void {
  const at = now.toISOString();
  writeFileAtomic.sync(join(requestsDir(layout), r.folder, 'decision.json'), JSON.stringify({ ...decision, at }, null, 2) + '\n');
  if (r.from && existsSync(layout.runDir(r.from))) appendEvent(layout.events(r.from), { type: `request:${decision.decision}`, at, request: r.folder, ...decision });
}

/** One line typed into the requester's session when its request is declined. */
export function declineMessage(r: WorkerRequest, reason: string): string {
  return `Your request ${r.folder} was declined: ${reason.replace(/\s+/g, ' ').trim()}`;
}
