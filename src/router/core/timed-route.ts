import type { NormalizedRequest } from '../classify/normalized-request.js';
import type { FrontContext } from './request-context.js';
import type { Routed } from './router-core.js';

/**
 * Routes a request, observing the decision cost, and returns the `route` callback openUpstream retries with:
 * features are computed once, only the decision is re-run with failed pods excluded.
 */
export function timedRoute(ctx: FrontContext, req: NormalizedRequest): { first: Routed; route: (exclude: ReadonlySet<string>) => Routed } {
  const t0 = process.hrtime.bigint();
  const first = ctx.core.route(req);
  ctx.metrics.decision.observe(Number(process.hrtime.bigint() - t0) / 1e9);
  return { first, route: (exclude) => (exclude.size === 0 ? first : ctx.core.route(req, exclude, first.features)) };
}
