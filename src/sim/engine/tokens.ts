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

export interface ChatMessage {
  role: string;
  content: string;
}

/** vLLM renders the Llama 3.1 chat template: a system header (with its date preamble) is always present. */
export function renderLlama31Chat(messages: readonly ChatMessage[]): string {
  const system = messages.find((m) => m.role === 'system')?.content ?? '';
  let out = '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n';
  out += `Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n${system}<|eot_id|>`;
  for (const m of messages) {
    if (m.role === 'system') continue;
    out += `<|start_header_id|>${m.role}<|end_header_id|>\n\n${m.content}<|eot_id|>`;
  }
  return `${out}<|start_header_id|>assistant<|end_header_id|>\n\n`;
}

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
