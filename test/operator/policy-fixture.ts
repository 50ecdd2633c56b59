import type { InferenceModePolicy, ModeSpec } from '../../src/api/v1alpha1/types.js';

/** A small valid policy; tests change what they need. */
export function policyFixture(modes: string[] = ['fp16', 'fp8'], name = 'llama'): InferenceModePolicy {
  const modeSpecs: ModeSpec[] = modes.map((m) =>
    m === 'fp8' ? { name: m, quantization: 'fp8' } : { name: m, dtype: 'float16' },
  );
  return {
    apiVersion: 'modeswitch.io/v1alpha1',
    kind: 'InferenceModePolicy',
    metadata: { name, namespace: 'llm' },
    spec: {
      model: 'meta-llama/Llama-3.1-8B-Instruct',
      modes: modeSpecs,
      routing: {
        defaultMode: modes[0] as string,
        rules: [{ name: 'short', when: 'request.inputTokens < 512', mode: modes[modes.length - 1] as string }],
      },
    },
  };
}
