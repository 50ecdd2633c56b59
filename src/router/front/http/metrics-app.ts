import type { RequestListener } from 'node:http';
import type { Registry } from 'prom-client';
import { sendJson } from './send.js';

/** The metrics port: /metrics for Prometheus, and the probes so kubelet need not share the API port. */
export function metricsApp(registry: Registry, ready: () => boolean): RequestListener {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      registry
        .metrics()
        .then((text) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(text);
        })
        .catch((err: Error) => sendJson(res, 500, { error: err.message }));
      return;
    }
    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (path === '/readyz')
      return ready() ? sendJson(res, 200, { status: 'ready' }) : sendJson(res, 503, { status: 'no mode is reachable' });
    sendJson(res, 404, { error: `no route ${path}` });
  };
}
