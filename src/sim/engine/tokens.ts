import { createHash } from 'node:crypto';
import llama3Tokenizer from 'llama3-tokenizer-js';
import { KV_BLOCK_TOKENS } from '../../model/memory.js';

/**
 * Token counting with the Llama 3 tokenizer (exact for the Llama 3.x models the catalogue holds), special tokens
 * included, so `usage` and the KV-block hashes match what vLLM would compute for the same prompt.
 */
export function encode(text: string): number[] {
  return llama3Tokenizer.encode(text, { bos: false, eos: false });
}

export const decode = (ids: readonly number[]): string => llama3Tokenizer.decode([...ids]);

/** Each token's own text, as vLLM names tokens in logprobs. */
export const decodeEach = (ids: readonly number[]): string[] => ids.map((id) => llama3Tokenizer.decode([id]));

/** Completions prompts get a BOS token, as the Llama 3 tokenizer adds by default. */
export function encodeCompletionPrompt(prompt: string): number[] {
  return [llama3Tokenizer.getSpecialTokenId('<|begin_of_text|>'), ...encode(prompt)];
}

/** Chained hashes of the full 16-token blocks (each hash covers every token before it), as vLLM's prefix cache keys them. */
export function kvBlockHashes(tokenIds: readonly number[], adapter?: string): string[] {
  const hashes: string[] = [];
  // vLLM keys cached blocks by LoRA too: the same prompt through another adapter computes other KV values.
  let parent = adapter === undefined ? '' : `lora:${adapter}`;
  for (let start = 0; start + KV_BLOCK_TOKENS <= tokenIds.length; start += KV_BLOCK_TOKENS) {
    parent = createHash('sha1')
      .update(parent)
      .update(tokenIds.slice(start, start + KV_BLOCK_TOKENS).join(','))
      .digest('hex');
    hashes.push(parent);
  }
  return hashes;
}
