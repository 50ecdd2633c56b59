import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { DEFAULT_DRAIN_TIMEOUT_MS, DEFAULT_MAX_REQUEST_BYTES, ROUTER_DEFAULTS } from '../api/v1alpha1/router-config.js';
import type { RouterConfig } from '../api/v1alpha1/router-config.js';
import { createLogger } from '../observability/logger.js';
import { parseRouterConfig } from '../router/config/parse-router-config.js';
import { routerFromConfig } from '../router/config/start-from-config.js';
import { guardProcess } from '../router/process-guard.js';

const D = ROUTER_DEFAULTS;

const USAGE = `Usage: modeswitch router --config router.yaml
       modeswitch router --policy policy.yaml --endpoint MODE=URL[#NAMESPACE/POD] ... [flags]

Serves the gRPC API and the OpenAI-compatible HTTP API of one policy, routing each request to a mode.

  --config PATH           router config file (what the operator mounts); the flags below are for standalone use
  --policy PATH           policy file (standalone: no Kubernetes)
  --endpoint MODE=URL     a pod of MODE; repeat for more pods and modes. #NAMESPACE/POD joins dcgm-exporter labels
  --dcgm URL              dcgm-exporter metrics URL; repeatable
  --host HOST             listen address (default ${D.standaloneHost})
  --http-port N           OpenAI HTTP API (default ${D.listen.httpPort})
  --grpc-port N           gRPC API (default ${D.listen.grpcPort})
  --metrics-port N        /metrics, /healthz, /readyz (default ${D.listen.metricsPort})
  --ext-proc-port N       Endpoint Picker (Envoy ext_proc) for a gateway's InferencePool (off unless given; usual ${D.extProcPort})
  --interval-ms N         telemetry scrape interval (default ${D.telemetryIntervalMs})
  --tls-cert PATH, --tls-key PATH, --tls-ca PATH, --require-client-cert
  --log-level LEVEL       error, warn, info or debug (default info)
  -h, --help              this text
`;

function port(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${flag} must be a port number, got "${text}"`);
  return n;
}

/** The config a standalone command line describes. */
function configFromFlags(v: Record<string, string | string[] | boolean | undefined>): RouterConfig {
  const endpoints: Record<string, string[]> = {};
  for (const e of (v['endpoint'] as string[] | undefined) ?? []) {
    const eq = e.indexOf('=');
    if (eq <= 0) throw new Error(`--endpoint must be MODE=URL, got "${e}"`);
    (endpoints[e.slice(0, eq)] ??= []).push(e.slice(eq + 1));
  }
  const raw: Record<string, unknown> = {
    policyFile: v['policy'],
    endpoints,
    listen: {
      host: v['host'] ?? D.standaloneHost,
      httpPort: port(v['http-port'] as string, '--http-port', D.listen.httpPort),
      grpcPort: port(v['grpc-port'] as string, '--grpc-port', D.listen.grpcPort),
      metricsPort: port(v['metrics-port'] as string, '--metrics-port', D.listen.metricsPort),
      ...(v['ext-proc-port'] === undefined
        ? {}
        : { extProcPort: port(v['ext-proc-port'] as string, '--ext-proc-port', D.extProcPort) }),
    },
    telemetry: {
      dcgmUrls: v['dcgm'] ?? [],
      intervalMs: v['interval-ms'] === undefined ? D.telemetryIntervalMs : Number(v['interval-ms']),
    },
    logLevel: v['log-level'] ?? 'info',
    maxRequestBytes: DEFAULT_MAX_REQUEST_BYTES,
    drainTimeoutMs: DEFAULT_DRAIN_TIMEOUT_MS,
  };
  if (v['tls-cert'] || v['tls-key'])
    raw['tls'] = {
      certFile: v['tls-cert'],
      keyFile: v['tls-key'],
      caFile: v['tls-ca'],
      requireClientCertificate: v['require-client-cert'] === true,
    };
  return parseRouterConfig(raw);
}

/** `modeswitch router`: serves until SIGTERM/SIGINT, then drains (exit 0); 2 on bad flags or config, 1 on start failure. */
export async function runRouter(argv: string[]): Promise<number> {
  let config: RouterConfig;
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string' },
        policy: { type: 'string' },
        endpoint: { type: 'string', multiple: true },
        dcgm: { type: 'string', multiple: true },
        host: { type: 'string' },
        'http-port': { type: 'string' },
        'grpc-port': { type: 'string' },
        'metrics-port': { type: 'string' },
        'ext-proc-port': { type: 'string' },
        'interval-ms': { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'tls-ca': { type: 'string' },
        'require-client-cert': { type: 'boolean' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    if ((values.config === undefined) === (values.policy === undefined))
      throw new Error('give either --config or --policy');
    config = values.config ? parseRouterConfig(parse(readFileSync(values.config, 'utf8'))) : configFromFlags(values);
  } catch (err) {
    process.stderr.write(`modeswitch router: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const logger = createLogger('router', { level: config.logLevel });
  const router = await routerFromConfig(config, {
    logger,
    kubeDiscovery: async (ref) => {
      const [{ connectKube }, { routerKubeDiscovery }, { systemClock }] = await Promise.all([
        import('../kube/connect.js'),
        import('../router/pods/kube-discovery.js'),
        import('../kube/clock.js'),
      ]);
      return routerKubeDiscovery({ source: connectKube().source, policyRef: ref, clock: systemClock, logger });
    },
  });
  guardProcess(logger, router.metrics);
  await router.start();
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info('signal received; draining', { signal });
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await router.stop();
  return 0;
}
