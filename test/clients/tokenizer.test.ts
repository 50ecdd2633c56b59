import llama3Tokenizer from 'llama3-tokenizer-js';
import { runOk, tokenizerDir, venvProgram } from './support/client-tools.js';

const SAMPLES = [
  'Hello world!',
  "Don't you think   it's 12345 tokens?\n\nNew line",
  'ünïcödé 日本語 emoji 🚀 and code: `for (let i = 0; i < n; i++) {}`',
  '<|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|>',
];

/** The tokenizer directory the clients load (built from llama3-tokenizer-js) is Llama 3's tokenizer as transformers runs it. */
describe('the Llama 3 tokenizer directory', () => {
  it('encodes as llama3-tokenizer-js does, special tokens included', async () => {
    const script = [
      'import json, sys',
      'from transformers import AutoTokenizer',
      'tokenizer = AutoTokenizer.from_pretrained(sys.argv[1])',
      'print(json.dumps([tokenizer.encode(s) for s in json.loads(sys.stdin.read())]))',
    ].join('\n');
    const { stdout } = await runOk(venvProgram('python'), ['-c', script, tokenizerDir()], {
      input: JSON.stringify(SAMPLES),
      timeoutMs: 120_000,
    });
    expect(JSON.parse(stdout)).toEqual(SAMPLES.map((s) => llama3Tokenizer.encode(s, { bos: true, eos: false })));
  }, 150_000);
});
