// The state filter's choices: which task states each one keeps lit.
import { NEEDS_YOU_STATES, WORKING_STATES, type TaskState } from '../src/graphProtocol';

export const FILTERS: Record<string, { label: string; has: (s: TaskState) => boolean }> = {
  all: { label: 'All states', has: () => true },
  needsYou: { label: 'Needs you', has: (s) => NEEDS_YOU_STATES.has(s) },
  working: { label: 'Working', has: (s) => WORKING_STATES.has(s) },
  ready: { label: 'Ready', has: (s) => s === 'ready' },
  blocked: { label: 'Blocked', has: (s) => s === 'blocked' },
  approved: { label: 'Approved', has: (s) => s === 'approved' },
};
