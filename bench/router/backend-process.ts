/**
 * Fallback backend when nginx is not installed: a Node server answering every POST with a fixed completion and
 * /metrics with a fixed vLLM scrape. Its own process; sends { port } once listening.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ANSWER, VLLM_METRICS } from './fixtures.js';

const answer = Buffer.from(ANSWER);
const server = createServer((req, res) => {
  if (req.url === '/metrics') return void res.writeHead(200, { 'content-type': 'text/plain' }).end(VLLM_METRICS);
  req.resume();
  req.on('end', () =>
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': answer.length }).end(answer),
  );
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port }));
process.on('disconnect', () => process.exit(0));
