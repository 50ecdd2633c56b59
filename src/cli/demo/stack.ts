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
        const engine = await startSimEngine({
          mode: mode.profile,
          gpu: o.gpu,
          model: o.model,
          host,
          port: at(o.portBase, 4 + engines.length),
          timeScale: o.speedup,
          seed: o.seed + engines.length,
          servedModelName: o.policy.spec.model,
          loraModules,
          podName: `${o.policy.metadata.name}-${mode.name}-${r}`,
          namespace,
          logger: o.logger,
        });
        engines.push({ mode: mode.name, engine });
      }
    }
    exporter = await startDcgmExporter({
      sources: engines.map((e) => gpuSourceFromEngine(e.engine)),
      host,
      port: at(o.portBase, 3),
      logger: o.logger,
    });
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
    const ports = await router.start();
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
