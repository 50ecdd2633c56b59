/** Ready-to-paste commands against the running demo, with its actual ports. */
export function tryItLines(
  ports: { http: number; grpc: number; metrics: number; dcgm: number },
  model: string,
): string[] {
  const body = JSON.stringify({
    model,
    messages: [
      {
        role: 'user',
        content: 'Summarize the key points of this text: ModeSwitch routes each request to a vLLM mode.',
      },
    ],
    max_tokens: 64,
  });
  const grpcBody = JSON.stringify({
    messages: [{ role: 'user', content: 'Solve the equation 3x + 7 = 22 step by step.' }],
    max_tokens: 64,
  });
  return [
    'The router keeps serving on 127.0.0.1, the engines now in real time (one simulated second per second), so',
    "dcgm-exporter's energy counters rise at the rate its power gauges show. Try it:",
    '',
    `  curl -si http://127.0.0.1:${ports.http}/v1/chat/completions -H 'content-type: application/json' \\`,
    `    -d '${body}'`,
    `  # the answer's x-modeswitch-mode / x-modeswitch-rule headers say which mode served it and why`,
    '',
    `  grpcurl -plaintext -d '${grpcBody}' 127.0.0.1:${ports.grpc} modeswitch.v1.RouterService/Generate`,
    `  grpcurl -plaintext -d '{"request": ${grpcBody}}' 127.0.0.1:${ports.grpc} modeswitch.v1.RouterService/Classify`,
    '',
    `  curl -s http://127.0.0.1:${ports.metrics}/metrics | grep modeswitch_      # per-mode requests, latency, energy`,
    `  curl -s http://127.0.0.1:${ports.dcgm}/metrics | grep DCGM_FI_DEV_POWER     # simulated dcgm-exporter`,
    '',
    'Press Ctrl-C to stop.',
  ];
}
