import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { DEFAULT_ROUTER_IMAGE } from '../api/v1alpha1/defaults.js';
import { createLogger } from '../observability/logger.js';
import { startOperatorProcess } from '../operator/runtime/process.js';

const USAGE = `Usage: modeswitch operator [flags]

Reconciles InferenceModePolicies into vLLM mode Deployments/Services and a router.

  --kubeconfig PATH         kubeconfig file (default: $KUBECONFIG, in-cluster, ~/.kube/config)
  --namespace NS            watch only this namespace (default: $WATCH_NAMESPACE, else all namespaces)
  --workers N               concurrent reconciles (default 4)
  --leader-elect=BOOL       elect a leader through a Lease (default true)
  --lease-name NAME         Lease name (default modeswitch-operator)
  --lease-namespace NS      Lease namespace (default: $POD_NAMESPACE, else default)
  --identity ID             this candidate's identity (default: $POD_NAME, else the hostname)
  --resync-period SECONDS   reconcile every policy again this often; 0 disables (default 600)
  --listen HOST:PORT        /healthz, /readyz and /metrics (default 0.0.0.0:8081)
  --router-image IMAGE      router image of policies without spec.router.image (default: $MODESWITCH_IMAGE, the
                            operator's own image as the chart sets it, else ${DEFAULT_ROUTER_IMAGE})
  --log-level LEVEL         error, warn, info or debug (default: $LOG_LEVEL, else info)
  -h, --help                this text
`;

function positiveInt(text: string, flag: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new Error(`${flag} must be an integer >= ${min}, got "${text}"`);
  return n;
}

function parseListen(text: string): { host: string; port: number } {
  const colon = text.lastIndexOf(':');
  if (colon < 0) throw new Error(`--listen must be HOST:PORT, got "${text}"`);
  return {
    host: text.slice(0, colon).replace(/^\[|\]$/g, '') || '0.0.0.0',
    port: positiveInt(text.slice(colon + 1), '--listen port', 0),
  };
}

function parseBool(text: string, flag: string): boolean {
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw new Error(`${flag} must be true or false, got "${text}"`);
}

/** `modeswitch operator`: runs until SIGTERM/SIGINT (exit 0) or lost leadership (exit 1); 2 on bad flags. */
export async function runOperator(argv: string[]): Promise<number> {
  const env = process.env;
  let flags;
  try {
    flags = parseArgs({
      args: argv,
      options: {
        kubeconfig: { type: 'string' },
        namespace: { type: 'string' },
        workers: { type: 'string', default: '4' },
        'leader-elect': { type: 'string', default: 'true' },
        'lease-name': { type: 'string', default: 'modeswitch-operator' },
        'lease-namespace': { type: 'string' },
        identity: { type: 'string' },
        'resync-period': { type: 'string', default: '600' },
        listen: { type: 'string', default: '0.0.0.0:8081' },
        'router-image': { type: 'string' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (flags.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  let settings;
  try {
    settings = {
      workers: positiveInt(flags.workers, '--workers', 1),
      leaderElect: parseBool(flags['leader-elect'], '--leader-elect'),
      resyncPeriodMs: positiveInt(flags['resync-period'], '--resync-period', 0) * 1000,
      listen: parseListen(flags.listen),
    };
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const logger = createLogger('operator', { level: flags['log-level'] });
  let running;
  try {
    running = await startOperatorProcess({
      kubeconfigPath: flags.kubeconfig,
      namespace: flags.namespace ?? (env['WATCH_NAMESPACE'] || undefined),
      workers: settings.workers,
      leaderElection: settings.leaderElect
        ? {
            name: flags['lease-name'],
            namespace: flags['lease-namespace'] ?? env['POD_NAMESPACE'] ?? 'default',
            identity: flags.identity ?? env['POD_NAME'] ?? hostname(),
          }
        : undefined,
      resyncPeriodMs: settings.resyncPeriodMs,
      listenHost: settings.listen.host,
      listenPort: settings.listen.port,
      routerImage: flags['router-image'] ?? (env['MODESWITCH_IMAGE'] || undefined),
      logger,
    });
  } catch (err) {
    logger.error('operator could not start', { error: (err as Error).message });
    return 1;
  }
  const onSignal = (signal: string) => {
    logger.info('signal received', { signal });
    void running.stop();
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  const code = await running.exited;
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
  return code;
}
