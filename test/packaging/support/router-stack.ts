/**
 * Two real routers in standalone mode on loopback (a policy's router Deployment runs two replicas), in front of the
 * same simulated vLLM engines (one per mode) and simulated dcgm-exporter: the same metrics a cluster's routers
 * expose, for the Prometheus test. Traffic goes through the first; both read every engine and GPU.
 */
import type { InferenceModePolicy } from '../../../src/api/v1alpha1/types.js';
import { createLogger } from '../../../src/observability/logger.js';
import { createRouter, type Router } from '../../../src/router/create-router.js';
import { staticSource } from '../../../src/router/pods/static-source.js';
import {
  gpuSourceFromEngine,
  startDcgmExporter,
  startSimEngine,
  type DcgmExporter,
  type SimEngine,
} from '../../../src/sim/index.js';

export const STACK_POLICY_NAME = 'llama';
const NAMESPACE = 'llm';
const MODES = ['fp16', 'fp8', 'int4'] as const;
export type StackMode = (typeof MODES)[number];

export interface RouterStack {
  /** OpenAI API base of the first router, e.g. http://127.0.0.1:1234 */
  httpUrl: string;
  /** host:port of the first router's /metrics */
  metricsAddress: string;
  /** host:port of the second router's /metrics: the replica no traffic goes through */
  idleMetricsAddress: string;
  engines: Record<StackMode, SimEngine>;
  close(): Promise<void>;
}

/** The policy the stack's router serves (namespace llm): three modes, two rules, a fallback chain. */
export function stackPolicy(): InferenceModePolicy {
  return {
    apiVersion: 'modeswitch.io/v1alpha1',
    kind: 'InferenceModePolicy',
    metadata: { name: STACK_POLICY_NAME, namespace: NAMESPACE },
    spec: {
      model: 'meta-llama/Llama-3.1-8B-Instruct',
      modes: [
        { name: 'fp16', dtype: 'float16' },
        { name: 'fp8', quantization: 'fp8' },
        { name: 'int4', quantization: 'awq_marlin' },
      ],
      routing: {
        defaultMode: 'fp8',
        rules: [
          { name: 'quality-first', when: "request.type in ['code', 'math']", mode: 'fp16' },
          { name: 'short', when: 'request.inputTokens < 64', mode: 'int4' },
        ],
        fallback: ['fp8', 'fp16'],
      },
    },
  };
}

/** Starts engines, exporter and router; everything listens on 127.0.0.1 with ephemeral ports. */
export async function startRouterStack(): Promise<RouterStack> {
  const logger = createLogger('packaging-test', { level: 'error' });
  const started: { close(): Promise<void> }[] = [];
  const closeAll = async () => {
    for (const s of started.reverse()) await s.close();
  };
  try {
    const engines = {} as Record<StackMode, SimEngine>;
    for (const mode of MODES) {
      // 20x simulated time keeps answers to tens of milliseconds while power and energy stay realistic per token.
      engines[mode] = await startSimEngine({
        mode,
        host: '127.0.0.1',
        port: 0,
        timeScale: 20,
        podName: `${STACK_POLICY_NAME}-${mode}-0`,
        namespace: NAMESPACE,
        logger,
      });
      started.push(engines[mode]);
    }
    const dcgm: DcgmExporter = await startDcgmExporter({
      sources: MODES.map((m) => gpuSourceFromEngine(engines[m])),
      host: '127.0.0.1',
      port: 0,
      logger,
    });
    started.push(dcgm);
    const endpoints = Object.fromEntries(
      MODES.map((m) => [m, [`${engines[m].url}#${NAMESPACE}/${engines[m].podName}`]]),
    );
    const startRouter = async () => {
      const router: Router = createRouter({
        discovery: staticSource(stackPolicy(), endpoints),
        listen: { host: '127.0.0.1', grpcPort: 0, httpPort: 0, metricsPort: 0 },
        dcgmUrls: [`${dcgm.url}/metrics`],
        scrapeIntervalMs: 200,
        maxRequestBytes: 1 << 20,
        drainTimeoutMs: 1000,
        logger,
        energyWindowMs: 5000,
      });
      const ports = await router.start();
      started.push({ close: () => router.stop() });
      return ports;
    };
    const ports = await startRouter();
    const idle = await startRouter();
    return {
      httpUrl: `http://127.0.0.1:${ports.httpPort}`,
      metricsAddress: `127.0.0.1:${ports.metricsPort}`,
      idleMetricsAddress: `127.0.0.1:${idle.metricsPort}`,
      engines,
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

const PROMPTS = [
  { content: 'Hi!', stream: false },
  {
    content: 'Write a Python function that merges two sorted lists and explain its complexity in detail.',
    stream: true,
  },
  {
    content: `Summarise the following meeting notes for the team. ${'The quarterly review covered budget, hiring and the roadmap. '.repeat(12)}`,
    stream: false,
  },
  { content: 'Solve for x: 3x + 7 = 22, and show each step of the algebra.', stream: true },
];

/** Sends `count` chat completions (mixed types, streamed and not) one after another; returns the HTTP statuses. */
export async function sendChatRequests(httpUrl: string, count: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) {
    const prompt = PROMPTS[i % PROMPTS.length] as (typeof PROMPTS)[number];
    const response = await fetch(`${httpUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'meta-llama/Llama-3.1-8B-Instruct',
        messages: [{ role: 'user', content: prompt.content }],
        max_tokens: 48,
        stream: prompt.stream,
      }),
    });
    await response.arrayBuffer();
    statuses.push(response.status);
  }
  return statuses;
}
