/**
 * The /metrics of a policy's router pod, for the capacity suite. Kwok gives pods addresses that route nowhere, so
 * the capacity controller's scrape of the router pod (its own path: the pod's IP and metrics port as the real API
 * server lists them, then routerMetricsDemand parsing the text) is sent to this loopback server instead. It serves
 * the router's real metrics (createRouterMetrics, publishing the router's real live mode models), whose counters grow between two scrapes at the rates the test
 * sets, as if the router had served, or wanted to serve, that traffic. The test sets demand when it wants it, which
 * a real router would only give under real load on real engines.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import type { InferenceModePolicy } from '../../../src/api/v1alpha1/types.js';
import { createRouterMetrics } from '../../../src/router/accounting/router-metrics.js';
import { compilePolicy } from '../../../src/router/decide/compile-policy.js';
import { LiveModeModels } from '../../../src/router/learn/live-mode-models.js';
import { predictInterToken } from '../../../src/model/mode-model.js';
import { seedPolicyModels } from '../../../src/model/policy-models.js';
import { undiciFetchText, type FetchText } from '../../../src/metrics/fetch-text.js';

/** Requests per second of one mode: served there, and wanted there but served elsewhere. */
export interface ModeRate {
  served?: number;
  wanted?: number;
}

const PROMPT_TOKENS = 1000;
const OUTPUT_TOKENS = 200;

export class RouterMetricsStandIn {
  /** Every URL the capacity controller scraped, as it built it. */
  readonly scraped: string[] = [];
  private readonly metrics;
  private readonly rates = new Map<string, ModeRate>();
  private last = Date.now();
  private readonly agent = new Agent({ connections: 2 });
  private readonly loopbackFetch = undiciFetchText(this.agent);

  private constructor(
    private readonly policy: string,
    private readonly server: Server,
    /** The router's own live mode models, which its metrics publish for the capacity controller. */
    private readonly models: LiveModeModels,
  ) {
    this.metrics = createRouterMetrics({
      policy: () => policy,
      modeStates: () => new Map(),
      telemetryAge: () => undefined,
      fittedModels: () => models.fitted(),
    });
  }

  /** Its series carry the `policy` label the router gives this policy; its fits start from the policy's seeds. */
  static async start(policy: InferenceModePolicy): Promise<RouterMetricsStandIn> {
    const server = createServer();
    const compiled = compilePolicy(policy);
    const models = new LiveModeModels();
    models.modelsOf({ modes: seedPolicyModels(compiled.resolved) });
    const standIn = new RouterMetricsStandIn(compiled.name, server, models);
    server.on('request', (_req, res) => {
      standIn.advance();
      void standIn.metrics.registry
        .metrics()
        .then((text) => res.writeHead(200, { 'content-type': standIn.metrics.registry.contentType }).end(text));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return standIn;
  }

  /** From now on, this mode's traffic; the traffic so far is counted at the previous rate. */
  setRate(mode: string, rate: ModeRate): void {
    this.advance();
    this.rates.set(mode, rate);
  }

  /**
   * The router learns from streamed answers that the mode's engines take `factor` times the seed's time per output
   * token at every batch, as a router refits from what it sees.
   */
  learnSlower(mode: string, factor: number): void {
    const seed = this.models.fitted().get(mode);
    if (!seed) throw new Error(`no model of mode ${mode}`);
    for (let i = 0; i < 400; i += 1) {
      const batch = 1 + (i % 16);
      this.models.observeRequest({
        mode,
        batch,
        promptTokens: PROMPT_TOKENS,
        ttftSeconds: 0.05,
        streamSeconds: (OUTPUT_TOKENS - 1) * factor * predictInterToken(seed, batch),
        outputTokens: OUTPUT_TOKENS,
      });
    }
  }

  /** No traffic anywhere from now on. */
  quiet(): void {
    this.advance();
    this.rates.clear();
  }

  /** What the operator scrapes with: the URL it built is recorded, the request goes to this server. */
  readonly fetchText: FetchText = (url, timeoutMs) => {
    this.scraped.push(url);
    const { port } = this.server.address() as AddressInfo;
    return this.loopbackFetch(`http://127.0.0.1:${port}/metrics`, timeoutMs);
  };

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.agent.close();
  }

  /** Counts the traffic since the last call at the rates set. */
  private advance(): void {
    const now = Date.now();
    const seconds = (now - this.last) / 1000;
    this.last = now;
    const policy = this.policy;
    for (const [mode, rate] of this.rates) {
      const served = (rate.served ?? 0) * seconds;
      if (served > 0) {
        this.metrics.requests.inc({ policy, mode, rule: 'default', code: '200' }, served);
        this.metrics.tokens.inc({ policy, mode, kind: 'prompt' }, served * PROMPT_TOKENS);
        this.metrics.tokens.inc({ policy, mode, kind: 'output' }, served * OUTPUT_TOKENS);
      }
      const wanted = (rate.wanted ?? 0) * seconds;
      if (wanted > 0) this.metrics.wanted.inc({ policy, mode }, wanted);
    }
  }
}
