#!/usr/bin/env node
// Writes a Hugging Face tokenizer directory for Llama 3 (tokenizer.json, tokenizer_config.json with the chat
// template) from the vocabulary and merges that the npm package llama3-tokenizer-js ships, so clients that load a
// tokenizer with `transformers` (guidellm, inference-perf) run without the model hub:
//
//   node scripts/build-llama3-tokenizer.mjs DIR
//
// The layout is the one meta-llama/Meta-Llama-3-8B-Instruct publishes (byte-level BPE, Llama 3's split pattern,
// 256 special tokens from id 128000, <|begin_of_text|> prepended).
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import llama3Tokenizer from 'llama3-tokenizer-js';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node scripts/build-llama3-tokenizer.mjs DIR');
  process.exit(2);
}

const SPLIT_PATTERN =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const FIRST_SPECIAL_ID = 128000;
const BOS = '<|begin_of_text|>';
const EOS = '<|eot_id|>';
/** Meta-Llama-3-8B-Instruct's chat template. */
const CHAT_TEMPLATE =
  "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + " +
  "message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}" +
  '{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}' +
  "{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";

const tokens = llama3Tokenizer.vocabById;
const vocab = Object.fromEntries(tokens.slice(0, FIRST_SPECIAL_ID).map((t, id) => [t, id]));
const merges = [...llama3Tokenizer.merges.entries()].sort((a, b) => a[1] - b[1]).map(([pair]) => pair);
const bosTemplate = { SpecialToken: { id: BOS, type_id: 0 } };
const tokenizer = {
  version: '1.0',
  truncation: null,
  padding: null,
  added_tokens: tokens.slice(FIRST_SPECIAL_ID).map((content, i) => ({
    id: FIRST_SPECIAL_ID + i,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  })),
  normalizer: null,
  pre_tokenizer: {
    type: 'Sequence',
    pretokenizers: [
      { type: 'Split', pattern: { Regex: SPLIT_PATTERN }, behavior: 'Isolated', invert: false },
      { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
    ],
  },
  post_processor: {
    type: 'Sequence',
    processors: [
      { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
      {
        type: 'TemplateProcessing',
        single: [bosTemplate, { Sequence: { id: 'A', type_id: 0 } }],
        pair: [bosTemplate, { Sequence: { id: 'A', type_id: 0 } }, bosTemplate, { Sequence: { id: 'B', type_id: 1 } }],
        special_tokens: { [BOS]: { id: BOS, ids: [FIRST_SPECIAL_ID], tokens: [BOS] } },
      },
    ],
  },
  decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
  model: {
    type: 'BPE',
    dropout: null,
    unk_token: null,
    continuing_subword_prefix: null,
    end_of_word_suffix: null,
    fuse_unk: false,
    byte_fallback: false,
    ignore_merges: true,
    vocab,
    merges,
  },
};
const config = {
  tokenizer_class: 'PreTrainedTokenizerFast',
  bos_token: BOS,
  eos_token: EOS,
  clean_up_tokenization_spaces: true,
  model_input_names: ['input_ids', 'attention_mask'],
  model_max_length: 131072,
  chat_template: CHAT_TEMPLATE,
};

// Written beside, then moved into place: a half-written directory never looks built.
const partial = `${dir}.partial`;
rmSync(partial, { recursive: true, force: true });
mkdirSync(partial, { recursive: true });
writeFileSync(join(partial, 'tokenizer.json'), JSON.stringify(tokenizer));
writeFileSync(join(partial, 'tokenizer_config.json'), `${JSON.stringify(config, null, 2)}\n`);
writeFileSync(join(partial, 'special_tokens_map.json'), `${JSON.stringify({ bos_token: BOS, eos_token: EOS })}\n`);
rmSync(dir, { recursive: true, force: true });
renameSync(partial, dir);
console.log(`llama3 tokenizer: ${tokens.length} tokens, ${merges.length} merges -> ${dir}`);
