import { loraModulesOf } from '../../api/v1alpha1/adapters.js';
import type { InferenceModePolicy } from '../../api/v1alpha1/types.js';
import type { Logger } from '../../observability/logger.js';
import { createRouter, type Router } from '../../router/create-router.js';
import { staticSource } from '../../router/pods/static-source.js';
import { startDcgmExporter, type DcgmExporter } from '../../sim/dcgm/exporter.js';
import { gpuSourceFromEngine } from '../../sim/dcgm/gpu-source.js';
import { startSimEngine, type SimEngine } from '../../sim/engine/server.js';
import type { FleetMode } from '../../model/policy-modes.js';

export interface DemoStackOptions {
  policy: InferenceModePolicy;
  modes: readonly FleetMode[];
  gpu: string;
  /** The simulator's catalogue id of the policy's model (`modelById(policy.spec.model).id`). */
  model: string;
  speedup: number;
  /** Router HTTP port; the others follow it (0: every port picked by the system). */
  portBase: number;
  seed: number;
  logger: Logger;
}

export interface DemoEngine {
  mode: string;
  engine: SimEngine;
}

export interface DemoStack {
  engines: DemoEngine[];
  exporter: DcgmExporter;
  router: Router;
  ports: { http: number; grpc: number; metrics: number; dcgm: number };
  servedModel: string;
  stop(): Promise<void>;
}

const at = (base: number, offset: number) => (base === 0 ? 0 : base + offset);

/**
 * Node's EADDRINUSE (and gRPC's bind failure, which wraps it) as an error naming the component whose port clashed:
 * among `listeners`, the one whose port the error names (the first when it names none).
 */
function portClash(err: unknown, listeners: ReadonlyArray<[component: string, port: number]>): unknown {
  const e = err as { code?: string; message?: string; port?: number };
  const message = e?.message ?? '';
  if (e?.code !== 'EADDRINUSE' && !/EADDRINUSE|No address added/.test(message)) return err;
  const [component, port] =
    listeners.find(([, p]) => e.port === p || message.includes(`:${p}`)) ?? (listeners[0] as [string, number]);
  return new Error(
    `${component} cannot listen on 127.0.0.1:${port}: the port is in use (EADDRINUSE); ` +
      `stop what holds it, or pick other ports with --port-base (0 = any free ports)`,
  );
}

/** Runs a start, turning a port clash into an error that says whose port it was. */
async function listening<T>(
  listeners: ReadonlyArray<[component: string, port: number]>,
  start: () => Promise<T>,
): Promise<T> {
  try {
    return await start();
  } catch (err) {
    throw portClash(err, listeners);
  }
}

/**
 * Starts, on 127.0.0.1, a simulated vLLM engine per replica of every mode that runs pods (with the LoRA adapters
 * the policy serves on them; time running `speedup` times faster),
 * one dcgm-exporter for all their GPUs, and the router in standalone mode over them. Stops whatever started if a
 * later part fails.
 */
export async function startDemoStack(o: DemoStackOptions): Promise<DemoStack> {
  const host = '127.0.0.1';
  const engines: DemoEngine[] = [];
  let exporter: DcgmExporter | undefined;
  const namespace = o.policy.metadata.namespace ?? 'default';
  try {
    for (const mode of o.modes) {
      // The LoRA adapters the policy puts on this mode's pods, loaded as vLLM's --lora-modules would.
      const loraModules = loraModulesOf(o.policy.spec.modes, {
        name: mode.name,
        ...o.policy.spec.modes.find((m) => m.name === mode.name),
      });
      for (let r = 0; r < mode.replicas; r += 1) {
        const podName = `${o.policy.metadata.name}-${mode.name}-${r}`;
        const port = at(o.portBase, 4 + engines.length);
        const engine = await listening([[`the simulated vLLM engine ${podName}`, port]], () =>
          startSimEngine({
            mode: mode.profile,
            gpu: o.gpu,
            model: o.model,
            host,
            port,
            timeScale: o.speedup,
            seed: o.seed + engines.length,
            servedModelName: o.policy.spec.model,
            loraModules,
            podName,
            namespace,
            logger: o.logger,
          }),
        );
        engines.push({ mode: mode.name, engine });
      }
    }
    exporter = await listening([['the simulated dcgm-exporter', at(o.portBase, 3)]], () =>
      startDcgmExporter({
        sources: engines.map((e) => gpuSourceFromEngine(e.engine)),
        host,
        port: at(o.portBase, 3),
        logger: o.logger,
      }),
    );
    const endpoints: Record<string, string[]> = {};
    for (const { mode, engine } of engines)
      (endpoints[mode] ??= []).push(`${engine.url}#${namespace}/${engine.podName}`);
    const router = createRouter({
      discovery: staticSource(o.policy, endpoints),
      listen: { host, httpPort: o.portBase, grpcPort: at(o.portBase, 1), metricsPort: at(o.portBase, 2) },
      dcgmUrls: [`${exporter.url}/metrics`],
      // The policy's 1 s scrape interval in simulated time, no faster than the router allows.
      scrapeIntervalMs: Math.max(100, Math.round(1000 / o.speedup)),
      maxRequestBytes: 8 * 1024 * 1024,
      drainTimeoutMs: 2000,
      logger: o.logger,
    });
    const ports = await listening(
      [
        ["the router's HTTP API", o.portBase],
        ["the router's gRPC API", at(o.portBase, 1)],
        ["the router's metrics", at(o.portBase, 2)],
      ],
      // The router closes what it opened when a listener fails.
      () => router.start(),
    );
    const started = exporter;
    return {
      engines,
      exporter: started,
      router,
      servedModel: o.policy.spec.model,
      ports: { http: ports.httpPort, grpc: ports.grpcPort, metrics: ports.metricsPort, dcgm: started.port },
      async stop() {
        await router.stop();
        await started.close();
        await Promise.all(engines.map((e) => e.engine.close()));
      },
    };
  } catch (err) {
    await exporter?.close();
    await Promise.all(engines.map((e) => e.engine.close()));
    throw err;
  }
}
