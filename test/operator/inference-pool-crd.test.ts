import { validatePolicy } from '../../src/api/v1alpha1/validation.js';
import type { KubeObject, ObjectRef } from '../../src/kube/types.js';
import { createLogger } from '../../src/observability/logger.js';
import { OPTIONAL_OWNED_KINDS, OWNED_KINDS } from '../../src/operator/policy/owned-kinds.js';
import { PolicyController } from '../../src/operator/policy/policy-controller.js';
import { renderPolicy } from '../../src/operator/render/index.js';
import { FakeKubeClient } from '../support/fake-kube-client.js';
import { FakeClock } from '../kube/fake-clock.js';
import { policyFixture } from './policy-fixture.js';

const KEY = 'llm/llama';
const POLICY_REF: ObjectRef = {
  apiVersion: 'modeswitch.io/v1alpha1',
  kind: 'InferenceModePolicy',
  namespace: 'llm',
  name: 'llama',
};

/** A policy with the InferencePool (and its HTTPRoute) on, in a cluster that does or does not serve their CRDs. */
function setup(crdsInstalled: boolean) {
  const client = new FakeKubeClient();
  const controller = new PolicyController({
    client,
    reader: client.reader,
    validate: validatePolicy,
    render: renderPolicy,
    ownedKinds: crdsInstalled ? [...OWNED_KINDS, ...OPTIONAL_OWNED_KINDS] : OWNED_KINDS,
    unservedKinds: crdsInstalled ? [] : OPTIONAL_OWNED_KINDS,
    clock: new FakeClock(),
    logger: createLogger('test', { level: 'error' }),
  });
  const policy = policyFixture();
  policy.spec.inferencePool = { enabled: true, gateway: { name: 'inference-gateway' } };
  client.seed(policy as unknown as KubeObject);
  return { client, controller };
}

async function setPool(client: FakeKubeClient, pool: object | undefined) {
  const policy = (await client.get(POLICY_REF)) as any;
  policy.spec.inferencePool = pool;
  policy.metadata.generation = (policy.metadata.generation ?? 1) + 1;
  client.seed(policy);
}

describe('PolicyController with the Gateway API Inference Extension', () => {
  it('applies the InferencePool and HTTPRoute where the cluster serves them, and prunes them when the policy drops them', async () => {
    const { client, controller } = setup(true);
    await controller.processItem(KEY);
    expect(client.all('InferencePool').map((o) => o.metadata.name)).toEqual(['llama']);
    expect(client.all('HTTPRoute').map((o) => o.metadata.name)).toEqual(['llama']);
    await setPool(client, undefined);
    const outcome = await controller.processItem(KEY);
    expect(outcome.pruned).toBe(2);
    expect(client.all('InferencePool')).toEqual([]);
    expect(client.all('HTTPRoute')).toEqual([]);
  });

  it('reconciles the rest of the policy without the CRDs and says once what is missing', async () => {
    const { client, controller } = setup(false);
    const outcome = await controller.processItem(KEY);
    expect(outcome.outcome).toBe('reconciled');
    expect(
      client
        .all('Deployment')
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(['llama-fp16', 'llama-fp8', 'llama-router']);
    expect(client.all('InferencePool')).toEqual([]);
    await controller.processItem(KEY);
    const warnings = client.events.filter((e) => e.reason === 'CrdMissing');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ type: 'Warning' });
    expect(warnings[0]!.message).toContain(
      'inference.networking.k8s.io/v1 InferencePool, gateway.networking.k8s.io/v1 HTTPRoute',
    );
  });
});
