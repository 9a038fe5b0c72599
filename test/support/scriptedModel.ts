// A scripted stand-in for the Anthropic Messages API on 127.0.0.1, so tests can run the real Claude Code
// CLI offline. A test hands it one script per worker; each script is the list of assistant turns that
// worker gets, in order. Several workers may share one server: a worker is recognised by its marker
// (for example its task id), a string that must appear in its system prompt or first user message.
//
// Which turn comes next is read from the conversation the CLI sends, not kept on the server: the worker
// gets turn N when its request already holds N assistant messages. So the script advances exactly when
// the CLI sends back the tool_result of the previous turn (or a new prompt after a text turn), and a
// retried request gets the same answer again.

import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One assistant turn: a text answer (ends the turn), or a tool call (optionally preceded by text). */
export type Turn = { text: string } | { tool: string; input: Record<string, unknown>; text?: string };

/** A turn held back until the test lets it go: the worker waits for the model, mid-task, as long as the test needs. */
export type HeldTurn = { after: Promise<unknown>; then: Turn };

/** Turn builders for the tools a worker uses most. */
export const turn = {
  text: (text: string): Turn => ({ text }),
  bash: (command: string, description = command): Turn => ({ tool: 'Bash', input: { command, description } }),
  write: (file_path: string, content: string): Turn => ({ tool: 'Write', input: { file_path, content } }),
  after: (released: Promise<unknown>, then: Turn): HeldTurn => ({ after: released, then }),
  edit: (file_path: string, old_string: string, new_string: string): Turn => ({
    tool: 'Edit',
    input: { file_path, old_string, new_string },
  }),
};

/** What kind of request the server saw, and how it answered. */
export type RequestKind =
  | 'turn' // a worker's main loop: answered from its script
  | 'side' // a request without tools (title, summary...): a short text, the script does not move
  | 'count_tokens'
  | 'unmatched' // carries tools but names no known worker: answered with a 400 error
  | 'not_found';

export interface RecordedRequest {
  method: string;
  /** Path with query, as sent (the CLI uses `/v1/messages?beta=true`). */
  url: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, or undefined when there was none. */
  body: MessagesRequest | undefined;
  kind: RequestKind;
  /** The marker of the worker this request was recognised as, if any. */
  worker?: string;
  /** Index of the script turn that was answered (past the end: the closing text was sent). */
  turn?: number;
}

/** The parts of a Messages API request the server reads. */
export interface MessagesRequest {
  model?: string;
  stream?: boolean;
  system?: string | { type: string; text?: string }[];
  messages?: { role: string; content: string | ContentBlock[] }[];
  tools?: { name: string }[];
  [key: string]: unknown;
}

export interface ContentBlock {
  type: string;
  text?: string;
  id?: string;
  name?: string;
  input?: unknown;
  tool_use_id?: string;
  content?: unknown;
  is_error?: boolean;
}

export interface ScriptedModelOptions {
  /** Answer to requests without tools. */
  sideAnswer?: string;
  /** Answer once a worker's script has run out. */
  doneAnswer?: string;
}

export interface ScriptedModel {
  /** Base URL for ANTHROPIC_BASE_URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** Adds or replaces the script of a worker. */
  script(marker: string, turns: (Turn | HeldTurn)[]): void;
  /** The worker's `turn` requests: the conversation as the CLI sent it at each step. */
  turnsOf(marker: string): RecordedRequest[];
  close(): Promise<void>;
}

/** Starts the server on a free port of 127.0.0.1. */
export async function startScriptedModel(
  scripts: Record<string, (Turn | HeldTurn)[]> = {},
  options: ScriptedModelOptions = {},
): Promise<ScriptedModel> {
  const workers = new Map<string, (Turn | HeldTurn)[]>(Object.entries(scripts));
  const requests: RecordedRequest[] = [];
  const sideAnswer = options.sideAnswer ?? 'Scripted task';
  const doneAnswer = options.doneAnswer ?? 'Done.';
  let messageCount = 0;

  const server = createServer((req, res) => {
    readBody(req).then(
      (raw) => handle(req, raw, res),
      (err: Error) => sendJson(res, 400, apiError('invalid_request_error', err.message)),
    );
  });
  // Keep-alive sockets would hold close() open.
  server.keepAliveTimeout = 1000;

  function handle(req: IncomingMessage, raw: string, res: ServerResponse): void {
    const path = (req.url ?? '').split('?')[0];
    let body: MessagesRequest | undefined;
    try {
      body = raw ? (JSON.parse(raw) as MessagesRequest) : undefined;
    } catch {
      sendJson(res, 400, apiError('invalid_request_error', 'body is not JSON'));
      return;
    }
    const record: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, kind: 'not_found' };
    requests.push(record);

    if (req.method !== 'POST' || !body || (path !== '/v1/messages' && path !== '/v1/messages/count_tokens')) {
      sendJson(res, 404, apiError('not_found_error', `scripted model: no route for ${req.method} ${req.url}`));
      return;
    }
    if (path === '/v1/messages/count_tokens') {
      record.kind = 'count_tokens';
      sendJson(res, 200, { input_tokens: estimateTokens(raw) });
      return;
    }
    const id = `msg_scripted_${++messageCount}`;
    const usage = { input_tokens: estimateTokens(raw), output_tokens: 0 };
    if (!body.tools || body.tools.length === 0) {
      record.kind = 'side';
      answer(res, body, id, usage, { text: sideAnswer });
      return;
    }
    const marker = findWorker(body);
    if (marker === undefined) {
      record.kind = 'unmatched';
      sendJson(res, 400, apiError('invalid_request_error', `scripted model: no script's marker is in this request (markers: ${[...workers.keys()].join(', ')})`));
      return;
    }
    const turns = workers.get(marker) ?? [];
    const index = (body.messages ?? []).filter((m) => m.role === 'assistant').length;
    record.kind = 'turn';
    record.worker = marker;
    record.turn = index;
    const next = turns[index] ?? { text: doneAnswer };
    const toolId = `toolu_scripted_${messageCount}`;
    if ('after' in next) void next.after.then(() => answer(res, body, id, usage, next.then, toolId));
    else answer(res, body, id, usage, next, toolId);
  }

  // The marker that appears in the system prompt or the first user message.
  function findWorker(body: MessagesRequest): string | undefined {
    const first = body.messages?.find((m) => m.role === 'user');
    const haystack = `${textOf(body.system)}\n${textOf(first?.content)}`;
    return [...workers.keys()].find((marker) => haystack.includes(marker));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script: (marker, turns) => void workers.set(marker, turns),
    turnsOf: (marker) => requests.filter((r) => r.kind === 'turn' && r.worker === marker),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Plain text of a system prompt or message content (text blocks and tool results). */
export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((block: ContentBlock) => (block.type === 'tool_result' ? textOf(block.content) : (block.text ?? '')))
    .join('\n');
}

interface Usage {
  input_tokens: number;
  output_tokens: number;
}

// Sends one assistant message for `t`, as server-sent events or, when the request says stream: false, as JSON.
function answer(res: ServerResponse, body: MessagesRequest, id: string, usage: Usage, t: Turn, toolUseId = `toolu_${id}`): void {
  const blocks: ContentBlock[] = [];
  if (t.text !== undefined) blocks.push({ type: 'text', text: t.text });
  if ('tool' in t) blocks.push({ type: 'tool_use', id: toolUseId, name: t.tool, input: t.input });
  const stopReason = 'tool' in t ? 'tool_use' : 'end_turn';
  const outputTokens = Math.max(1, Math.ceil(JSON.stringify(blocks).length / 4));
  const message = {
    id,
    type: 'message',
    role: 'assistant',
    model: body.model ?? 'scripted',
    content: [] as ContentBlock[],
    stop_reason: null as string | null,
    stop_sequence: null,
    usage: { ...usage, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
  };

  if (body.stream === false) {
    sendJson(res, 200, { ...message, content: blocks, stop_reason: stopReason, usage: { ...message.usage, output_tokens: outputTokens } });
    return;
  }

  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const event = (type: string, data: Record<string, unknown>) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  event('message_start', { message: { ...message, usage: { ...message.usage, output_tokens: 1 } } });
  blocks.forEach((block, index) => {
    if (block.type === 'text') {
      event('content_block_start', { index, content_block: { type: 'text', text: '' } });
      event('content_block_delta', { index, delta: { type: 'text_delta', text: block.text } });
    } else {
      event('content_block_start', { index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } });
      // The input arrives as JSON text in pieces, as from the real API.
      const json = JSON.stringify(block.input);
      const half = Math.ceil(json.length / 2);
      for (const part of [json.slice(0, half), json.slice(half)]) {
        event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: part } });
      }
    }
    event('content_block_stop', { index });
  });
  event('message_delta', { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: outputTokens } });
  event('message_stop', {});
  res.end();
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function apiError(type: string, message: string) {
  return { type: 'error', error: { type, message } };
}

// Roughly four characters a token, as the CLI only uses it for display and compaction thresholds.
function estimateTokens(raw: string): number {
  return Math.max(1, Math.ceil(raw.length / 4));
}
