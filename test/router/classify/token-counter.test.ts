import { renderLlama31Chat, type ChatMessage } from '../../../src/model/chat-template.js';
import { TokenCounter } from '../../../src/router/classify/token-counter.js';
import { encode, encodeCompletionPrompt } from '../../../src/sim/engine/tokens.js';

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const engineCount = (messages: ChatMessage[]) => encode(renderLlama31Chat(messages)).length;
const chat = (messages: ChatMessage[], model = MODEL) => ({
  kind: 'chat' as const,
  model,
  messages,
  text: messages.map((m) => m.content).join('\n'),
});

describe('prompt tokens counted as vLLM counts them', () => {
  const conversations: ChatMessage[][] = [
    [{ role: 'user', content: 'Hi' }],
    [
      { role: 'system', content: '  Be brief.  ' },
      { role: 'user', content: 'Why is the sky blue?\n' },
    ],
    [
      { role: 'user', content: 'Write a haiku.' },
      { role: 'assistant', content: 'Autumn moonlight -' },
      { role: 'user', content: '(continue) please' },
      { role: 'system', content: 'A late system message is an ordinary turn.' },
    ],
  ];

  it('counts a chat through the Llama 3.1 template exactly, as the simulated engine does', () => {
    const counter = new TokenCounter();
    for (const messages of conversations) expect(counter.countPrompt(chat(messages))).toBe(engineCount(messages));
    // The case of the issue: one short message is 17 tokens of text but 52 with the template.
    const one = [{ role: 'user', content: 'What is the capital of France, and why is it there?' }];
    expect(counter.countPrompt(chat(one))).toBe(engineCount(one));
    expect(counter.countPrompt(chat(one))).toBeGreaterThan(counter.count(one[0]!.content, MODEL) + 25);
  });

  it('adds the template tokens exactly to an estimate of long messages', () => {
    for (const messages of conversations) {
      const contents = messages.reduce((n, m) => n + encode(m.content.trim()).length, 0);
      const chars = messages.reduce((n, m) => n + m.content.trim().length, 0);
      // An estimate calibrated to these very texts: what is left is the template's part, which must be exact.
      const counter = new TokenCounter({ tokenizeBelowChars: 0, initialCharsPerToken: chars / contents });
      expect(counter.countPrompt(chat(messages))).toBe(engineCount(messages));
    }
  });

  it('counts a completions prompt with its BOS token, and other models without a template', () => {
    const counter = new TokenCounter();
    expect(counter.countPrompt({ kind: 'completion', model: MODEL, text: 'Hello there' })).toBe(
      encodeCompletionPrompt('Hello there').length,
    );
    const other = chat([{ role: 'user', content: 'Hello there' }], 'mistralai/Mistral-7B-Instruct');
    expect(counter.countPrompt(other)).toBe(counter.count('Hello there', other.model));
  });
});
