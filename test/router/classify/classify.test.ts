import { applyHintTrust, parseHints } from '../../../src/router/classify/hints.js';
import { classify } from '../../../src/router/classify/features.js';
import type { NormalizedRequest } from '../../../src/router/classify/normalized-request.js';
import { RouterError } from '../../../src/router/protocol/router-error.js';
import { PrefixTracker } from '../../../src/router/classify/prefix-tracker.js';
import { guessRequestType } from '../../../src/router/classify/request-type.js';
import { TokenCounter } from '../../../src/router/classify/token-counter.js';
import { parseEndpoint } from '../../../src/router/pods/endpoint.js';

const req = (over: Partial<NormalizedRequest> = {}): NormalizedRequest => ({
  kind: 'chat',
  model: 'meta-llama/Llama-3.1-8B-Instruct',
  text: 'hi',
  ask: 'hi',
  stream: false,
  includeUsage: false,
  hints: {},
  tenant: '',
  priority: 0,
  body: {},
  ...over,
});

describe('request type heuristic', () => {
  it.each([
    ['Write a python function to sort a list', 'code'],
    ['```js\nconst x = 1\n```', 'code'],
    ['Solve for x: 3x + 5 = 20', 'math'],
    ['Summarize this article in three bullet points', 'summarise'],
    ['Extract all dates from this text as JSON', 'extract'],
    ['Think step by step about the trolley problem', 'reasoning'],
    ['Hello! How are you?', 'chat'],
  ])('%s → %s', (text, type) => expect(guessRequestType(text)).toBe(type));
});

describe('classify', () => {
  const deps = (prefixes = new PrefixTracker()) => ({
    inputTokens: 100,
    prefixes,
    charsPerToken: 4,
    maxModelLen: 8192,
    now: 0,
  });

  it('lets hints win over heuristics and fills maxOutputTokens from the context left', () => {
    const f = classify(
      req({ ask: 'write python code', hints: { type: 'chat', difficulty: 0.9, expectedOutputTokens: 42 } }),
      deps(),
    );
    expect(f).toMatchObject({
      type: 'chat',
      difficulty: 0.9,
      expectedOutputTokens: 42n,
      maxOutputTokens: 8092n,
      inputTokens: 100n,
    });
  });

  it("reads the client's temperature and top_p, and takes the OpenAI default of 1 for what it left out", () => {
    expect(classify(req({ temperature: 0.2, topP: 0.9 }), deps())).toMatchObject({ temperature: 0.2, topP: 0.9 });
    expect(classify(req(), deps())).toMatchObject({ temperature: 1, topP: 1 });
  });

  it('caps the expected output by max_tokens', () => {
    expect(classify(req({ ask: 'think step by step', maxTokens: 50 }), deps()).expectedOutputTokens).toBe(50n);
  });

  it('notices a shared prefix seen recently, but a dry run leaves no trace', () => {
    const prefixes = new PrefixTracker();
    const system = 'You are a helpful assistant. '.repeat(40);
    expect(classify(req({ text: `${system} first` }), { ...deps(prefixes), record: false }).sharedPrefix).toBe(false);
    expect(classify(req({ text: `${system} first` }), deps(prefixes)).sharedPrefix).toBe(false);
    const f = classify(req({ text: `${system} second` }), deps(prefixes));
    expect([f.sharedPrefix, f.prefixTokens]).toEqual([true, 256n]);
  });

  it('forgets prefixes past the bound so memory stays flat', () => {
    const t = new PrefixTracker({ blockChars: [4], ttlMs: 1000, maxEntries: 2 });
    t.observe('aaaa', 0);
    t.observe('bbbb', 0);
    t.observe('cccc', 0);
    expect(t.observe('aaaa', 1)).toBe(0);
    expect(t.observe('cccc', 1)).toBe(4);
  });

  it('rejects bad hints with the header named', () => {
    expect(() => parseHints({ difficulty: '2' })).toThrow(RouterError);
    expect(() => parseHints({ expectedOutputTokens: '-1' })).toThrow(/expected output tokens/);
  });

  it('takes a domain hint that is a DNS label, wins over the classifier with it, and drops it when hints are ignored', () => {
    expect(parseHints({ domain: 'legal' })).toEqual({ domain: 'legal' });
    expect(() => parseHints({ domain: 'Legal Stuff' })).toThrow(
      expect.objectContaining({ param: 'x-modeswitch-domain' }),
    );
    const hinted = req({ ask: 'def f(x): return x', hints: { domain: 'legal' } });
    const deps = { inputTokens: 10, prefixes: new PrefixTracker(), charsPerToken: 4, maxModelLen: 8192, now: 0 };
    expect(classify(hinted, deps).domain).toBe('legal');
    expect(classify(applyHintTrust(hinted, false), deps).domain).toBe('code');
  });

  it('skips the domain classifier when nothing reads request.domain, keeping only a hint', () => {
    const deps = {
      inputTokens: 10,
      prefixes: new PrefixTracker(),
      charsPerToken: 4,
      maxModelLen: 8192,
      now: 0,
      classifyDomain: false,
    };
    expect(classify(req({ ask: 'def f(x): return x' }), deps).domain).toBe('');
    expect(classify(req({ ask: 'def f(x): return x', hints: { domain: 'legal' } }), deps).domain).toBe('legal');
  });
});

describe('token counter', () => {
  it('tokenizes Llama 3 prompts and calibrates the estimate used for long or other prompts', () => {
    const c = new TokenCounter({ tokenizeBelowChars: 1000, initialCharsPerToken: 10 });
    const text = 'The quick brown fox jumps over the lazy dog. '.repeat(10);
    expect(c.count(text, 'meta-llama/Llama-3.1-8B-Instruct')).toBe(101);
    for (let i = 0; i < 100; i++) c.count(text, 'meta-llama/Llama-3.1-8B-Instruct');
    expect(c.ratio).toBeGreaterThan(4);
    expect(c.ratio).toBeLessThan(5);
    expect(c.count(text.repeat(10), 'meta-llama/Llama-3.1-8B-Instruct')).toBeCloseTo(1010, -2);
    expect(c.count(text, 'mistral-7b')).toBe(c.estimate(text.length));
  });
});

describe('static endpoints', () => {
  it('parses URL#namespace/pod', () => {
    expect(parseEndpoint('fp8', 'http://10.0.0.1:8000/#llm/p-0')).toEqual({
      url: 'http://10.0.0.1:8000',
      mode: 'fp8',
      namespace: 'llm',
      pod: 'p-0',
      ready: true,
    });
    expect(parseEndpoint('fp8', 'http://h:1')).toEqual({ url: 'http://h:1', mode: 'fp8', ready: true });
    expect(() => parseEndpoint('fp8', 'h:1:2')).toThrow(/not a URL|http/);
  });
});
