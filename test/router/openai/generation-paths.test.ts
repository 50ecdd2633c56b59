import { GENERATION_PATHS, generationKindOf, pathOnly } from '../../../src/router/openai/generation-paths.js';

describe('generation paths', () => {
  it('reads the kind of generation from the path a client posts to, its query ignored', () => {
    expect(generationKindOf(pathOnly('/v1/chat/completions?api-version=1'))).toBe('chat');
    expect(generationKindOf(pathOnly('/v1/completions'))).toBe('completion');
    expect(generationKindOf(pathOnly('/v1/models'))).toBeUndefined();
    expect(generationKindOf('/v1/chat/completions/')).toBeUndefined();
  });

  it('sends each kind to the engine on the path it came in on', () => {
    for (const [kind, path] of Object.entries(GENERATION_PATHS)) expect(generationKindOf(path)).toBe(kind);
  });
});
