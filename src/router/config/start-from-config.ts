import { readFileSync } from 'node:fs';
import type { RouterConfig } from '../../api/v1alpha1/router-config.js';
import type { Logger } from '../../observability/logger.js';
import { createRouter } from '../create-router.js';
import type { Router, RouterTls } from '../create-router.js';
import type { DiscoverySource } from '../pods/discovery-source.js';
import { policyFileSource } from './policy-file-source.js';
import type { FileWatcher } from './policy-file-source.js';

export { loadPolicyFile } from './load-policy-file.js';

export interface StartDeps {
  logger: Logger;
  readFile?: (path: string) => string;
  /** Cluster discovery for config.policyRef; loaded lazily so a standalone router never loads the Kubernetes client. */
  kubeDiscovery: (ref: { namespace: string; name: string }) => Promise<DiscoverySource>;
  /** How the policy file is watched for edits (the file's directory via fs.watch by default). */
  watch?: (path: string, onChange: () => void) => FileWatcher;
  /** Quiet time after the last change event before the policy file is re-read (default 200 ms). */
  policyDebounceMs?: number;
}

/** Builds (not starts) the router a config file describes; a standalone policy file is watched for edits. */
export async function routerFromConfig(config: RouterConfig, deps: StartDeps): Promise<Router> {
  const readFile = deps.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  let discovery: DiscoverySource;
  if (config.policyRef) {
    discovery = await deps.kubeDiscovery(config.policyRef);
  } else {
    // Edits to the file are picked up while serving; see policyFileSource.
    discovery = policyFileSource({
      path: config.policyFile as string,
      endpoints: config.endpoints ?? {},
      readFile,
      logger: deps.logger,
      watch: deps.watch,
      debounceMs: deps.policyDebounceMs,
    });
  }
  const tls: RouterTls | undefined = config.tls && {
    cert: readFile(config.tls.certFile),
    key: readFile(config.tls.keyFile),
    ca: config.tls.caFile ? readFile(config.tls.caFile) : undefined,
    requireClientCertificate: config.tls.requireClientCertificate,
  };
  return createRouter({
    discovery,
    listen: config.listen,
    dcgmUrls: config.telemetry.dcgmUrls,
    scrapeIntervalMs: config.telemetry.intervalMs,
    maxRequestBytes: config.maxRequestBytes,
    drainTimeoutMs: config.drainTimeoutMs,
    shutdownDelayMs: config.shutdownDelayMs,
    drainQuietMs: config.drainQuietMs,
    limits: config.limits,
    health: config.health,
    // A key file ends with a newline more often than not; the key itself never does.
    upstreamApiKey: config.upstreamApiKeyFile === undefined ? undefined : readFile(config.upstreamApiKeyFile).trim(),
    clientApiKeysDir: config.clientApiKeysDir,
    exposeInternals: config.exposeInternals,
    tls,
    logger: deps.logger,
  });
}
