/**
 * A stand-in engine that behaves like a batch-limited vLLM on wall-clock time: at most `slots` sequences run at once
 * (max_num_seqs), the rest wait in order; a running sequence streams its first token after `prefillMs`, then one token
 * every `interTokenMs`. Enough to make queueing, and a mode slower than its seed, visible to the router.
 */
import type { ServerResponse } from 'node:http';
import type { EngineHandler } from './stand-in-engine.js';

export interface BatchingShape {
  slots: number;
  prefillMs: number;
  interTokenMs: number;
}

/** The handler; `running()` and `waiting()` say what the engine holds now. */
export function batchingEngine(shape: BatchingShape): EngineHandler & { running(): number; waiting(): number } {
  let running = 0;
  const queue: Array<() => void> = [];
  const release = () => {
    running--;
    const next = queue.shift();
    if (next) next();
  };
  const handler: EngineHandler = (_req, res, body) => {
    const request = JSON.parse(body) as {
      max_tokens?: number;
      stream?: boolean;
      messages?: Array<{ content: string }>;
    };
    const tokens = Math.max(1, request.max_tokens ?? 16);
    const promptTokens = Math.max(1, Math.round(JSON.stringify(request.messages ?? []).length / 4));
    const start = () => {
      running++;
      generate(res, request.stream === true, tokens, promptTokens, shape, release);
    };
    if (running < shape.slots) start();
    else queue.push(start);
  };
  return Object.assign(handler, { running: () => running, waiting: () => queue.length });
}

const chunk = (delta: object) =>
  `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', model: 'm', choices: [{ index: 0, delta }] })}\n\n`;

function generate(
  res: ServerResponse,
  stream: boolean,
  tokens: number,
  promptTokens: number,
  shape: BatchingShape,
  done: () => void,
): void {
  const usage = { prompt_tokens: promptTokens, completion_tokens: tokens, total_tokens: promptTokens + tokens };
  let sent = 0;
  let timer: NodeJS.Timeout | undefined;
  res.on('close', () => {
    if (sent < tokens) {
      clearTimeout(timer);
      sent = tokens;
      done();
    }
  });
  const step = () => {
    sent++;
    if (stream) res.write(chunk({ content: 'tok ' }));
    if (sent < tokens) {
      timer = setTimeout(step, shape.interTokenMs);
      return;
    }
    if (stream)
      res.end(
        `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', model: 'm', choices: [], usage })}\n\ndata: [DONE]\n\n`,
      );
    else
      res.end(
        JSON.stringify({
          id: 'c',
          object: 'chat.completion',
          model: 'm',
          choices: [
            { index: 0, message: { role: 'assistant', content: 'tok '.repeat(tokens) }, finish_reason: 'length' },
          ],
          usage,
        }),
      );
    done();
  };
  if (stream) res.writeHead(200, { 'content-type': 'text/event-stream' });
  else res.writeHead(200, { 'content-type': 'application/json' });
  timer = setTimeout(step, shape.prefillMs);
}
