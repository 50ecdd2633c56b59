import type { ModelSpec } from './types.js';

/** Model catalogue; shapes from each model's config.json on Hugging Face. */
export const MODELS: Readonly<Record<string, ModelSpec>> = {
  'llama-3.1-8b-instruct': {
    id: 'llama-3.1-8b-instruct',
    hfName: 'meta-llama/Llama-3.1-8B-Instruct',
    layers: 32,
    hidden: 4096,
    intermediate: 14336,
    heads: 32,
    kvHeads: 8,
    headDim: 128,
    vocab: 128256,
    maxModelLen: 131072,
    generationTemperature: 0.6,
  },
  'llama-3.1-70b-instruct': {
    id: 'llama-3.1-70b-instruct',
    hfName: 'meta-llama/Llama-3.1-70B-Instruct',
    layers: 80,
    hidden: 8192,
    intermediate: 28672,
    heads: 64,
    kvHeads: 8,
    headDim: 128,
    vocab: 128256,
    maxModelLen: 131072,
    generationTemperature: 0.6,
  },
};

const ALIASES: Readonly<Record<string, string>> = {
  'llama-3.1-8b': 'llama-3.1-8b-instruct',
  'llama-3.1-70b': 'llama-3.1-70b-instruct',
};

/** Looks a model up by catalogue id, alias or Hugging Face name (case-insensitive). */
export function modelById(id: string): ModelSpec {
  const key = id.toLowerCase();
  const direct = MODELS[key] ?? MODELS[ALIASES[key] ?? ''];
  if (direct) return direct;
  const byHf = Object.values(MODELS).find(
    (m) => m.hfName.toLowerCase() === key || m.hfName.toLowerCase().endsWith(`/${key}`),
  );
  if (byHf) return byHf;
  throw new Error(
    `unknown model '${id}'; known: ${Object.values(MODELS)
      .map((m) => m.hfName)
      .join(', ')}`,
  );
}

/** Parameters of the transformer blocks (attention + MLP), the part quantization shrinks. */
export function blockParams(m: ModelSpec): number {
  const attention = m.hidden * m.heads * m.headDim * 2 + m.hidden * m.kvHeads * m.headDim * 2;
  const mlp = 3 * m.hidden * m.intermediate;
  return m.layers * (attention + mlp);
}

/** lm_head parameters: read in full every step, kept 16-bit by AWQ/GPTQ/FP8 checkpoints. */
export function lmHeadParams(m: ModelSpec): number {
  return m.vocab * m.hidden;
}

/** Total parameters including input embeddings (untied in Llama 3.1). */
export function totalParams(m: ModelSpec): number {
  return blockParams(m) + 2 * lmHeadParams(m);
}

/** KV-cache bytes per token: K and V, every layer, every KV head. */
export function kvBytesPerToken(m: ModelSpec, bytesPerElement: number): number {
  return 2 * m.layers * m.kvHeads * m.headDim * bytesPerElement;
}
