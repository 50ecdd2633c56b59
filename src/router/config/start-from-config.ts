import { readFileSync } from 'node:fs';
import type { RouterConfig } from '../../api/v1alpha1/router-config.js';
import { formatProblems, validatePolicy } from '../../api/v1alpha1/validation.js';
import type { Logger } from '../../observability/logger.js';
import { createRouter } from '../create-router.js';
import type { Router, RouterTls } from '../create-router.js';
import type { DiscoverySource } from '../discovery/discovery-source.js';
import { staticSource } from '../discovery/static-source.js';
import { parse } from 'yaml';

export interface StartDeps {
  logger: Logger;
  readFile?: (path: string) => string;
  /** Cluster discovery for config.policyRef; loaded lazily so a standalone router never loads the Kubernetes client. */
  kubeDiscovery: (ref: { namespace: string; name: string }) => Promise<DiscoverySource>;
}

/** A standalone policy file, validated as the API server would; every problem is reported at once. */
export function loadPolicyFile(path: string, readFile: (p: string) => string) {
  const { policy, problems } = validatePolicy(parse(readFile(path)));
  if (!policy) throw new Error(`${path}: the policy is invalid: ${formatProblems(problems)}`);
  return policy;
}

/** Builds (not starts) the router a config file describes. */
export async function routerFromConfig(config: RouterConfig, deps: StartDeps): Promise<Router> {
  const readFile = deps.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  let discovery: DiscoverySource;
  if (config.policyRef) {
    discovery = await deps.kubeDiscovery(config.policyRef);
  } else {
    const policy = loadPolicyFile(config.policyFile as string, readFile);
    const modes = policy.spec.modes.map((m) => m.name);
    const unknown = Object.keys(config.endpoints ?? {}).filter((m) => !modes.includes(m));
    if (unknown.length > 0) throw new Error(`endpoints name modes the policy does not have: ${unknown.join(', ')} (modes: ${modes.join(', ')})`);
    discovery = staticSource(policy, config.endpoints ?? {});
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
    tls,
    logger: deps.logger,
  });
}
