import { parseEndpoint } from '../../../src/router/pods/endpoint.js';
import { PodRegistry } from '../../../src/router/pods/pod-registry.js';

describe('PodRegistry', () => {
  it('drops the pods of a mode the policy no longer has, and keeps in-flight counts of pods that stay', () => {
    const registry = new PodRegistry();
    registry.update(
      new Map([
        ['fp8', [parseEndpoint('fp8', 'http://10.0.0.1:8000#llm/a')]],
        ['int4', [parseEndpoint('int4', 'http://10.0.0.2:8000#llm/b')]],
      ]),
    );
    registry.pods('fp8')[0]!.inFlight = 3;
    registry.update(new Map([['fp8', [parseEndpoint('fp8', 'http://10.0.0.1:8000#llm/a')]]]));
    expect(registry.pods('int4')).toEqual([]);
    expect(registry.all().map((p) => p.url)).toEqual(['http://10.0.0.1:8000']);
    expect(registry.pods('fp8')[0]!.inFlight).toBe(3);
  });
});
