import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { validatePolicy } from '../../../src/api/v1alpha1/validation.js';
import { checkServeArgs, PINNED_VLLM } from '../../../src/api/v1alpha1/vllm-cli.js';
import { COMPONENT_ENGINE } from '../../../src/api/v1alpha1/labels.js';
import { renderPolicy } from '../../../src/operator/render/index.js';
import { EXAMPLES_DIR, loadExample } from '../../support/policies.js';

const examples = readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith('.yaml'));

describe('every example policy', () => {
  it.each(examples)('%s renders vllm serve arguments the pinned release parses', (file) => {
    const policy = validatePolicy(loadExample(join(EXAMPLES_DIR, file))).policy!;
    expect(policy).toBeDefined();
    const engines = renderPolicy(policy).filter(
      (o) => o.kind === 'Deployment' && o.metadata.labels?.['app.kubernetes.io/component'] === COMPONENT_ENGINE,
    );
    expect(engines.length).toBeGreaterThan(0);
    for (const d of engines) {
      const container = (d as any).spec.template.spec.containers[0];
      expect(container.command).toEqual(['vllm', 'serve']);
      expect(checkServeArgs(PINNED_VLLM, container.args, { positionalModel: true })).toEqual([]);
    }
  });
});
