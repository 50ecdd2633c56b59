import { usageOfAnswer } from '../../../src/router/forward/usage-of-answer.js';

const answer = (o: unknown) => Buffer.from(JSON.stringify(o));

describe('usageOfAnswer', () => {
  it('reads the usage object of an engine answer', () => {
    const a = answer({
      id: 'x',
      choices: [{ text: 'hi' }],
      usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15, prompt_tokens_details: null },
    });
    expect(usageOfAnswer(a)).toEqual({ promptTokens: 12, completionTokens: 3 });
  });

  it('is not fooled by "usage" and braces inside the generated text', () => {
    const a = answer({
      usage: { prompt_tokens: 7, completion_tokens: 2 },
      choices: [{ text: 'the "usage": {"prompt_tokens": 99} field }{' }],
    });
    expect(usageOfAnswer(a)).toEqual({ promptTokens: 7, completionTokens: 2 });
  });

  it.each([
    ['negative', '{"prompt_tokens":-3,"completion_tokens":1}'],
    ['infinite (1e400)', '{"prompt_tokens":3,"completion_tokens":1e400}'],
    ['fractional', '{"prompt_tokens":3.5,"completion_tokens":1}'],
    ['absurdly large', '{"prompt_tokens":3,"completion_tokens":1e12}'],
    ['a string', '{"prompt_tokens":"3","completion_tokens":1}'],
  ])('has no usage when a count is %s: engine answers are untrusted', (_what, usage) => {
    expect(usageOfAnswer(Buffer.from(`{"choices":[],"usage":${usage}}`))).toBeUndefined();
  });

  it('has no usage for answers without one or that are not JSON', () => {
    expect(usageOfAnswer(answer({ error: { message: 'bad' } }))).toBeUndefined();
    expect(usageOfAnswer(Buffer.from('{"usage": {"prompt_tokens": 1, '))).toBeUndefined();
    expect(usageOfAnswer(Buffer.from('<html>502</html>'))).toBeUndefined();
  });
});

describe('SseSplitter', () => {
  it('keeps a multi-byte character whole when a network chunk splits it', async () => {
    const { SseSplitter } = await import('../../../src/router/forward/sse.js');
    const bytes = Buffer.from('data: {"text":"你好世界"}\n\n', 'utf8');
    const cut = bytes.indexOf(Buffer.from('好', 'utf8')) + 1;
    const splitter = new SseSplitter();
    const events = [...splitter.push(bytes.subarray(0, cut)), ...splitter.push(bytes.subarray(cut))];
    expect(events).toEqual(['data: {"text":"你好世界"}\n\n']);
  });
});
