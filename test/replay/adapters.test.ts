import { readFileSync } from 'node:fs';
import { loadPolicyFile } from '../../src/router/config/load-policy-file.js';
import { policyDispatcher } from '../../src/replay/dispatch/policy.js';
import { modelById } from '../../src/model/models.js';
import { qualityOfModes } from '../../src/model/quality.js';
import { fleetMetrics } from '../../src/replay/fleet-metrics.js';
import { fleetModesOf } from '../../src/model/policy-modes.js';
import { createFleetPool } from '../../src/replay/fleet/pool.js';
import { replayFleet } from '../../src/replay/replay-fleet.js';
import type { WorkloadRequest } from '../../src/sim/workload/synthesize.js';

const example = loadPolicyFile('deploy/examples/llama-3.1-8b-domain-adapters.yaml', (p) => readFileSync(p, 'utf8'));

function request(over: Partial<WorkloadRequest>): WorkloadRequest {
  return {
    id: 0,
    arrivalSeconds: 0,
    inputTokens: 600,
    outputTokens: 200,
    type: 'chat',
    difficulty: 0.5,
    prefixGroup: -1,
    prefixTokens: 0,
    temperature: 0,
    ...over,
  };
}

describe('a fleet running the domain-adapters example', () => {
  const modes = fleetModesOf(example);

  it('gives GPUs only to modes that run pods: the adapters live on fp16', () => {
    expect(modes.map((m) => [m.name, m.replicas])).toEqual([
      ['fp16', 2],
      ['fp8', 1],
    ]);
  });

  it("sends code and math requests to their adapters on fp16's pods, the rest to fp8", () => {
    const gpus = createFleetPool({ gpu: 'h100-80gb', model: 'llama-3.1-8b-instruct', modes, seed: 1 });
    const d = policyDispatcher({ policy: example, gpus });
    d.observe?.(0);
    expect(d.dispatch(request({ id: 1, type: 'code' }), 0.1)).toMatchObject({
      rule: 'code-expert',
      adapter: 'code',
      gpu: { mode: 'fp16' },
    });
    expect(d.dispatch(request({ id: 2, type: 'math' }), 0.1)).toMatchObject({
      rule: 'math-expert',
      adapter: 'math',
      gpu: { mode: 'fp16' },
    });
    const chat = d.dispatch(request({ id: 3, type: 'chat' }), 0.1);
    expect([chat.rule, chat.adapter, chat.gpu.mode]).toEqual(['default', undefined, 'fp8']);
  });

  it('pays the LoRA kernels: code requests through the adapter take longer than the same requests on the base model', () => {
    const replay = (policy: typeof example) => {
      const gpus = createFleetPool({ gpu: 'h100-80gb', model: 'llama-3.1-8b-instruct', modes, seed: 1 });
      const requests = Array.from({ length: 40 }, (_, i) => request({ id: i, arrivalSeconds: i * 0.05, type: 'code' }));
      return fleetMetrics(
        replayFleet({ gpus, dispatcher: policyDispatcher({ policy, gpus }), requests, tickSeconds: 1 }),
        qualityOfModes(new Map(modes.map((m) => [m.name, m.profile])), modelById('llama-3.1-8b-instruct')),
      );
    };
    const toBase = {
      ...example,
      spec: {
        ...example.spec,
        routing: {
          ...example.spec.routing,
          rules: [{ name: 'code-base', when: "request.domain == 'code'", mode: 'fp16' }],
        },
      },
    };
    const adapter = replay(example);
    const base = replay(toBase);
    expect(adapter.modeShares).toEqual(base.modeShares);
    expect(adapter.meanLatencySeconds).toBeGreaterThan(base.meanLatencySeconds * 1.03);
  });
});
