/**
 * Hostile input, seeded and bounded: 10^4 generated cases over loopback (fuzzed OpenAI bodies and headers on the
 * HTTP front, fuzzed ext_proc frame sequences on the Endpoint Picker). Nothing a client sends may get a 5xx (the
 * engine behind is healthy and answers every valid request) or take the router down.
 */
import { create } from '@bufbuild/protobuf';
import { Agent, request } from 'undici';
import {
  ProcessingRequestSchema,
  type ProcessingRequest,
} from '../../src/gen/envoy/service/ext_proc/v3/external_processor_pb.js';
import { MODEL, testPolicy } from './support/harness.js';
import { closedAfterEachTest } from './support/stand-in-engine.js';
import { ExtProcStream, extProcClient, requestHeaders, responseHeaders } from '../support/envoy-ext-proc.js';

const fleet = closedAfterEachTest();
const HTTP_CASES = 6000;
const EXT_PROC_CASES = 4000;
const CONCURRENCY = 16;

/** mulberry32: a small seeded generator, so a failing case can be replayed from its seed. */
function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
  return { next, int, pick };
}
type Rng = ReturnType<typeof random>;

const STRINGS = ['', 'hi', 'x'.repeat(3000), '\u0000\uffff\ud800', '🙂'.repeat(50), '{"a":', 'null', MODEL, 'other'];
const NUMBERS = [0, -1, 1, 2.5, 1e308, -1e308, 2 ** 53, 16, 4096, 1e9, NaN];
function value(rng: Rng, depth = 0): unknown {
  switch (rng.int(depth > 3 ? 4 : 7)) {
    case 0:
      return rng.pick(STRINGS);
    case 1:
      return rng.pick(NUMBERS);
    case 2:
      return rng.pick([true, false, null]);
    case 3:
      return undefined;
    case 4:
      return Array.from({ length: rng.int(4) }, () => value(rng, depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: rng.int(4) }, () => [rng.pick(FIELDS), value(rng, depth + 1)]));
  }
}
const FIELDS = [
  'model',
  'prompt',
  'messages',
  'role',
  'content',
  'max_tokens',
  'stream',
  'stream_options',
  'include_usage',
  'temperature',
  'n',
  'user',
  'tools',
];

/** An OpenAI request body: mostly valid ones with a field or two broken, some structural garbage. */
function openAiBody(rng: Rng): string {
  const chat = rng.next() < 0.5;
  const body: Record<string, unknown> = chat
    ? { model: MODEL, messages: [{ role: 'user', content: 'hello' }], max_tokens: 4 }
    : { model: MODEL, prompt: 'hello', max_tokens: 4 };
  for (let i = rng.int(3); i > 0; i--) body[rng.pick(FIELDS)] = value(rng);
  if (rng.next() < 0.2) body['messages'] = Array.from({ length: rng.int(3) }, () => value(rng, 2));
  let text = JSON.stringify(body) ?? 'null';
  switch (rng.int(10)) {
    case 0:
      text = text.slice(0, rng.int(text.length));
      break;
    case 1:
      text = JSON.stringify(value(rng)) ?? '';
      break;
    case 2:
      text = '['.repeat(rng.int(3000)) + text;
      break;
    case 3:
      text = text.replace(/\d+/, rng.pick(['1e400', '-0', '0x10', '9'.repeat(400)]));
      break;
  }
  return text;
}

const HINTS = [
  'x-modeswitch-type',
  'x-modeswitch-difficulty',
  'x-modeswitch-expected-output-tokens',
  'x-modeswitch-domain',
  'x-modeswitch-priority',
  'x-modeswitch-tenant',
  'x-request-id',
  'content-type',
  'authorization',
];
const HINT_VALUES = ['chat', 'code', '0.5', '-1', '1e308', 'NaN', '', 'x'.repeat(2000), '9'.repeat(30), 'Bearer k'];
function headersOf(rng: Rng): Record<string, string> {
  const h: Record<string, string> = { 'content-type': 'application/json' };
  for (let i = rng.int(3); i > 0; i--) h[rng.pick(HINTS)] = rng.pick(HINT_VALUES);
  return h;
}

/** Runs `cases` in `CONCURRENCY` lanes. */
async function inLanes(cases: number, one: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < cases) await one(next++);
    }),
  );
}

const PATHS = ['/v1/chat/completions', '/v1/completions', '/v1/models', '/v1/completions?x=1', '/nope', '/'];
const METHODS = ['POST', 'POST', 'POST', 'GET', 'PUT'];
const CONTENT_TYPES = ['application/json', 'text/event-stream', '', 'text/html'];

/** One fuzzed ext_proc sequence: request and response messages in any order, any content. */
function frames(rng: Rng): ProcessingRequest[] {
  const out: ProcessingRequest[] = [];
  for (let n = 1 + rng.int(6); n > 0; n--) {
    const eos = rng.next() < 0.4;
    switch (rng.int(6)) {
      case 0:
        out.push(
          requestHeaders(
            { ':method': rng.pick(METHODS), ':path': rng.pick(PATHS), ...headersOf(rng) },
            { endOfStream: eos },
          ),
        );
        break;
      case 1:
        out.push(
          create(ProcessingRequestSchema, {
            request: {
              case: 'requestBody',
              value: { body: new TextEncoder().encode(openAiBody(rng)), endOfStream: eos },
            },
          }),
        );
        break;
      case 2:
        out.push(
          create(ProcessingRequestSchema, {
            request: { case: rng.pick(['requestTrailers', 'responseTrailers'] as const), value: {} },
          }),
        );
        break;
      case 3:
        out.push(
          responseHeaders(
            { ':status': String(rng.pick([200, 400, 500, 0, 999])), 'content-type': rng.pick(CONTENT_TYPES) },
            { endOfStream: eos },
          ),
        );
        break;
      default: {
        const usage = `{"prompt_tokens":${rng.pick(['-3', '1e400', '5', '"x"'])},"completion_tokens":${rng.pick(['2', '-1', '1e400'])}}`;
        const text = rng.pick([
          `data: {"choices":[],"usage":${usage}}\n\n`,
          `{"choices":[{"text":"ok"}],"usage":${usage}}`,
          'data: [DONE]\n\n',
          rng.pick(STRINGS),
        ]);
        out.push(
          create(ProcessingRequestSchema, {
            request: { case: 'responseBody', value: { body: new TextEncoder().encode(text), endOfStream: eos } },
          }),
        );
      }
    }
  }
  return out;
}

describe('hostile input', () => {
  it(`answers ${HTTP_CASES} fuzzed OpenAI requests and ${EXT_PROC_CASES} fuzzed ext_proc sequences without a 5xx or a crash`, async () => {
    const engine = await fleet.engine();
    const r = await fleet.router(
      testPolicy({ defaultMode: 'fp8' }, ['fp8']),
      { fp8: [engine] },
      { listen: { host: '127.0.0.1', grpcPort: 0, httpPort: 0, metricsPort: 0, extProcPort: 0 } },
    );
    const agent = fleet.closing(new Agent({ connections: CONCURRENCY }));
    const serverErrors: string[] = [];
    await inLanes(HTTP_CASES, async (seed) => {
      const rng = random(seed);
      const body = openAiBody(rng);
      const res = await request(`${r.http}${rng.pick(PATHS.slice(0, 2))}`, {
        method: 'POST',
        dispatcher: agent,
        headers: headersOf(rng),
        body,
      });
      const text = await res.body.text();
      if (res.statusCode >= 500) serverErrors.push(`http seed ${seed}: ${res.statusCode} ${text.slice(0, 200)}`);
    });
    const client = fleet.closing(extProcClient(r.extProcTarget!));
    await inLanes(EXT_PROC_CASES, async (i) => {
      const seed = HTTP_CASES + i;
      const stream = new ExtProcStream(client).send(...frames(random(seed)));
      await new Promise((resolve) => setTimeout(resolve, 1));
      stream.end();
      const code = await stream.closed;
      // OK, or CANCELLED when the stream ended under an answer still being written: never INTERNAL or UNKNOWN.
      if (code !== 0 && code !== 1) serverErrors.push(`ext_proc seed ${seed}: stream status ${code}`);
      for (const a of await stream.next(stream.pending(), 0)) {
        const status = a.response.case === 'immediateResponse' ? (a.response.value.status?.code ?? 0) : 0;
        if (status >= 500) serverErrors.push(`ext_proc seed ${seed}: immediate ${status}`);
      }
    });
    expect(serverErrors).toEqual([]);
    // Still serving.
    const after = await request(`${r.http}/v1/completions`, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, prompt: 'hi', max_tokens: 2 }),
    });
    expect(after.statusCode).toBe(200);
    await after.body.text();
    expect(await r.metrics()).not.toMatch(/modeswitch_router_faults_total\{/);
  }, 120_000);
});
