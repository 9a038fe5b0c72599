// The merge preview: when a task's work is ready for review, Baton merges its branch onto the base in the
// object database only (no working tree, no ref moves) and keeps the outcome in runs/<id>/merge-preview.json.
// The review shows whether the work merges cleanly or which files conflict, before anyone approves; and an
// approval finds the merged tree already made, so the person waits only for the commit and the base to move.
// A preview stands for the exact two commits it merged: once either branch moves it is stale and is ignored.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { branchTipFromFiles, branchTips, mergeTree, OBJECT_ID } from '../git/merge';
import { branchName, type BatonLayout } from './layout';

export interface MergePreview {
  base: string;
  base_commit: string;
  branch_commit: string;
  /** The merged tree, when it merges cleanly. */
  tree?: string;
  /** The conflicting paths, when it does not (empty when clean). */
  conflicts: string[];
  at: string;
}

/**
 * The merges this process made itself, by both commits and tree. The file lies in the task's run folder,
 * where its worker writes too: a tree read from it is shown, but only one made here is committed.
 */
const madeHere = new Set<string>();
const key = (p: MergePreview) => `${p.base_commit} ${p.branch_commit} ${p.tree}`;

/** The preview's tree, when this process merged it (else an approval merges afresh). */
export function trustedTree(preview: MergePreview | undefined): string | undefined {
  return preview?.tree && madeHere.has(key(preview)) ? preview.tree : undefined;
}

export function mergePreviewFile(layout: BatonLayout, taskId: string): string {
  return join(layout.runDir(taskId), 'merge-preview.json');
}

/**
 * Merges the task's branch onto the base as both are now and records the outcome; undefined when either
 * branch is missing. A preview of the same two commits already on disk is returned as it is.
 */
export async function previewMerge(layout: BatonLayout, taskId: string, base: string): Promise<MergePreview | undefined> {
  const [baseCommit, branchCommit] = await branchTips(layout.root, [base, branchName(taskId)]);
  if (!baseCommit || !branchCommit) return undefined;
  const known = readMergePreview(layout, taskId);
  if (known && isCurrent(known, base, baseCommit, branchCommit)) return known;
  const merged = await mergeTree(layout.root, baseCommit, branchCommit);
  const preview: MergePreview = {
    base,
    base_commit: baseCommit,
    branch_commit: branchCommit,
    ...(merged.ok ? { tree: merged.tree } : {}),
    conflicts: merged.ok ? [] : merged.conflicts,
    at: new Date().toISOString(),
  };
  if (preview.tree) madeHere.add(key(preview));
  layout.ensureRunDir(taskId);
  writeFileAtomic.sync(mergePreviewFile(layout, taskId), JSON.stringify(preview, null, 2) + '\n', { fsync: false });
  return preview;
}

/** The recorded preview, if any (a missing or malformed file is no preview). */
export function readMergePreview(layout: BatonLayout, taskId: string): MergePreview | undefined {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(mergePreviewFile(layout, taskId), 'utf8'));
  } catch {
    return undefined;
  }
  const p = value as Partial<MergePreview> | null;
  const id = (v: unknown) => typeof v === 'string' && OBJECT_ID.test(v);
  if (!p || typeof p !== 'object' || typeof p.base !== 'string' || !id(p.base_commit) || !id(p.branch_commit)) return undefined;
  if (p.tree !== undefined && !id(p.tree)) return undefined;
  const conflicts = Array.isArray(p.conflicts) ? p.conflicts.filter((f): f is string => typeof f === 'string') : [];
  return { base: p.base, base_commit: p.base_commit!, branch_commit: p.branch_commit!, ...(p.tree ? { tree: p.tree } : {}), conflicts, at: typeof p.at === 'string' ? p.at : '' };
}

/** Whether the preview merged exactly these two commits (else it says nothing about the merge now). */
export function isCurrent(preview: MergePreview, base: string, baseCommit: string, branchCommit: string): boolean {
  return preview.base === base && preview.base_commit === baseCommit && preview.branch_commit === branchCommit;
}

/**
 * The recorded preview while it still stands for both branches as they are now, for a view that redraws
 * often (the tips are read from the ref files, no git process); undefined when stale or unknown.
 */
export function currentMergePreview(layout: BatonLayout, taskId: string, base: string): MergePreview | undefined {
  const preview = readMergePreview(layout, taskId);
  if (!preview) return undefined;
  const baseCommit = branchTipFromFiles(layout.root, base);
  const branchCommit = branchTipFromFiles(layout.root, branchName(taskId));
  return baseCommit && branchCommit && isCurrent(preview, base, baseCommit, branchCommit) ? preview : undefined;
}
