/**
 * `npm run bench -- router-memory`: the router's peak RSS under the memory-exhaustion attacks of issue 21, against
 * the 1 GiB the router pod is given. The router runs alone in its process (bench/router/router-process.ts) on
 * loopback; each scenario gets a fresh one, with the shipped limits and with the budget lifted (the router before
 * the budget, with only its global cap of 256 unfinished HTTP bodies):
 * - http: 256 connections, each a different API key, send a body just under 4 MiB (the request size limit) but its
 *   last byte, and hold it;
 * - ext_proc: 200 streams send request headers and 4 MiB of body in 64 KiB messages, never end_of_stream, and hold.
 * Knobs: MEMORY_HOLD_MS (how long the attack is held before reading the peak, default 8000: time for the attack's 800 MB to reach the router).
 */
import { create } from '@bufbuild/protobuf';
import { credentials, makeGenericClientConstructor, type ClientDuplexStream } from '@grpc/grpc-js';
import { connect, type Socket } from 'node:net';
import { ROUTER_DEFAULTS } from '../src/api/v1alpha1/router-config.js';
import {
  ProcessingRequestSchema,
  type ProcessingRequest,
  type ProcessingResponse,
} from '../src/gen/envoy/service/ext_proc/v3/external_processor_pb.js';
import { externalProcessorDefinition } from '../src/router/front/extproc/extproc-server.js';
import { forkChild } from './router/child.js';

const MiB = 1024 * 1024;
/** The router pod's memory limit as the operator renders it. */
const POD_LIMIT = 1024 * MiB;
const HOLD_MS = Number(process.env['MEMORY_HOLD_MS'] ?? 8000);
const BODY = 4 * MiB - 1024;
const LIFTED = {
  maxBufferedBytes: 1e12,
  maxBufferedBytesPerClient: 1e12,
  maxUnfinishedBodiesPerClient: 1e6,
  maxExtProcStreams: 1e6,
  bodyTimeoutMs: 600_000,
};

interface Outcome {
  peakRss: number;
  refused: Record<string, number>;
}

async function withRouter(
  limits: object,
  attack: (ports: { port: number; extProcPort: number }) => Promise<Record<string, number>>,
): Promise<Outcome> {
  const backend = await forkChild<{ port: number }>(new URL('./router/backend-process.js', import.meta.url));
  const router = await forkChild<{ port: number; extProcPort: number }>(
    new URL('./router/router-process.js', import.meta.url),
    {
      env: {
        BACKEND_URL: `http://127.0.0.1:${backend.ready.port}`,
        ROUTER_POLICY: 'one-mode',
        ROUTER_LOG_LEVEL: 'warn',
        ROUTER_LIMITS: JSON.stringify(limits),
      },
    },
  );
  try {
    const refused = await attack(router.ready);
    const peakRss = await router.ask<number>('peak-rss');
    return { peakRss, refused };
  } finally {
    await router.stop();
    await backend.stop();
  }
}

/** 256 sockets, each its own API key, each sending all of a ~4 MiB body but its last byte. */
async function httpAttack({ port }: { port: number }): Promise<Record<string, number>> {
  const answers: Record<string, number> = {};
  const sockets: Socket[] = [];
  const chunk = Buffer.alloc(64 * 1024, 'x');
  await Promise.all(
    Array.from({ length: 256 }, (_, i) => {
      const s = connect(port, '127.0.0.1');
      sockets.push(s);
      s.on('error', () => undefined);
      let answered = false;
      s.on('data', (b: Buffer) => {
        if (answered) return;
        answered = true;
        const code = b.toString('latin1').slice(9, 12);
        answers[code] = (answers[code] ?? 0) + 1;
      });
      return new Promise<void>((resolve) => {
        s.write(
          `POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
            `Authorization: Bearer client-${i}\r\nContent-Length: ${BODY}\r\n\r\n`,
        );
        let left = BODY - 1;
        const pump = () => {
          while (left > 0 && !s.destroyed) {
            const n = Math.min(left, chunk.length);
            left -= n;
            if (!s.write(chunk.subarray(0, n))) return void s.once('drain', pump);
          }
          resolve();
        };
        pump();
        s.once('close', () => resolve());
      });
    }),
  );
  await new Promise((resolve) => setTimeout(resolve, HOLD_MS));
  for (const s of sockets) s.destroy();
  return answers;
}

/** 200 ext_proc streams with 4 MiB of request body each, in 64 KiB messages, and no end_of_stream. */
async function extProcAttack({ extProcPort }: { extProcPort: number }): Promise<Record<string, number>> {
  const Client = makeGenericClientConstructor(externalProcessorDefinition, 'ExternalProcessor');
  type ExtProcClient = { process(): ClientDuplexStream<ProcessingRequest, ProcessingResponse>; close(): void };
  // A connection per 10 streams, as from a gateway's several workers: one HTTP/2 window would pace them all.
  const clients = Array.from(
    { length: 20 },
    (_, i) =>
      new Client(`127.0.0.1:${extProcPort}`, credentials.createInsecure(), {
        'modeswitch.bench.connection': i,
      }) as unknown as ExtProcClient,
  );
  const outcomes: Record<string, number> = {};
  const count = (what: string) => (outcomes[what] = (outcomes[what] ?? 0) + 1);
  const headers = create(ProcessingRequestSchema, {
    request: {
      case: 'requestHeaders',
      value: {
        headers: {
          headers: [
            [':method', 'POST'],
            [':path', '/v1/completions'],
            ['content-type', 'application/json'],
          ].map(([key, v]) => ({ key, rawValue: new TextEncoder().encode(v) })),
        },
      },
    },
  });
  const piece = create(ProcessingRequestSchema, {
    request: { case: 'requestBody', value: { body: new Uint8Array(64 * 1024).fill(120), endOfStream: false } },
  });
  const calls = Array.from({ length: 200 }, (_, i) => {
    const call = (clients[i % clients.length] as ExtProcClient).process();
    let seen = false;
    call.on('data', (r: ProcessingResponse) => {
      if (seen) return;
      seen = true;
      count(
        r.response.case === 'immediateResponse' ? `immediate ${r.response.value.status?.code ?? 0}` : r.response.case!,
      );
    });
    call.on('error', (e: { code?: number }) => count(`grpc status ${e.code}`));
    call.write(headers);
    for (let i = 0; i < 64; i++) call.write(piece);
    return call;
  });
  await new Promise((resolve) => setTimeout(resolve, HOLD_MS));
  for (const c of calls) c.cancel();
  for (const c of clients) c.close();
  return outcomes;
}

const mb = (b: number) => (b / MiB).toFixed(0);

export async function run(): Promise<void> {
  console.log(`pod memory limit ${mb(POD_LIMIT)} MB; attack held ${HOLD_MS} ms; peak RSS of the router process`);
  console.log('| attack | limits | peak RSS MB | under the limit | first answers |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const [name, attack] of [
    ['256 HTTP bodies of ~4 MiB', httpAttack],
    ['200 ext_proc streams of 4 MiB', extProcAttack],
  ] as const) {
    for (const [label, limits] of [
      ['budget lifted', LIFTED],
      ['shipped defaults', {}],
    ] as const) {
      const o = await withRouter(limits, attack);
      const answers = Object.entries(o.refused)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ');
      console.log(
        `| ${name} | ${label} | ${mb(o.peakRss)} | ${o.peakRss < POD_LIMIT ? 'yes' : 'NO'} | ${answers || 'none'} |`,
      );
    }
  }
  const d = ROUTER_DEFAULTS.limits;
  console.log(
    `shipped: maxBufferedBytes ${mb(d.maxBufferedBytes)} MB, per client ${mb(d.maxBufferedBytesPerClient)} MB, ` +
      `${d.maxUnfinishedBodies} unfinished bodies (${d.maxUnfinishedBodiesPerClient} per client), ` +
      `${d.maxExtProcStreams} ext_proc streams, body timeout ${d.bodyTimeoutMs} ms`,
  );
}
