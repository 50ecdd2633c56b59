import { renderLlama31Chat } from '../../../src/model/chat-template.js';
import { encode } from '../../../src/sim/engine/tokens.js';
import { loadTrace, parseAzureTrace, sliceTrace } from '../../../src/sim/workload/trace.js';
import { TEMPERATURE_MIX } from '../../../src/sim/workload/mix.js';
import { synthesizeWorkload } from '../../../src/sim/workload/synthesize.js';
import { chatPromptFor } from '../../../src/sim/workload/prompt.js';
import { guessRequestType } from '../../../src/router/classify/request-type.js';

const CSV = `TIMESTAMP,ContextTokens,GeneratedTokens
2023-11-16 18:15:46.6805900,374,44
2023-11-16 18:15:50.9951690,396,109
2023-11-16 18:15:51.0000000,1200,0
`;

describe('Azure trace', () => {
  it('parses arrivals relative to the first request and keeps token counts', () => {
    const t = parseAzureTrace(CSV);
    expect(t).toHaveLength(3);
    expect(t[0]).toEqual({ arrivalSeconds: 0, inputTokens: 374, outputTokens: 44 });
    expect(t[1]!.arrivalSeconds).toBeCloseTo(4.315, 3);
    expect(t[2]!.outputTokens).toBe(1); // a request always yields at least one token
  });

  it('rejects a file that is not the trace, and says which line is broken', () => {
    expect(() => parseAzureTrace('a,b,c\n1,2,3')).toThrow(/not an Azure LLM trace/);
    expect(() => parseAzureTrace(`${CSV}garbage,x,y\n`)).toThrow(/trace line 5 is malformed/);
  });

  it('ships both traces whole, with the published request counts', () => {
    expect(loadTrace('conv')).toHaveLength(19366);
    expect(loadTrace('code')).toHaveLength(8819);
  });

  it('slices a time window and re-bases it to zero', () => {
    const s = sliceTrace(loadTrace('conv'), 60, 30);
    expect(s.length).toBeGreaterThan(100);
    expect(Math.min(...s.map((r) => r.arrivalSeconds))).toBeGreaterThanOrEqual(0);
    expect(Math.max(...s.map((r) => r.arrivalSeconds))).toBeLessThan(30);
  });
});

describe('synthesized workload', () => {
  const conv = sliceTrace(loadTrace('conv'), 0, 600);

  it('is the same for the same seed and differs for another', () => {
    const a = synthesizeWorkload(conv, { trace: 'conv', seed: 7 });
    expect(synthesizeWorkload(conv, { trace: 'conv', seed: 7 })).toEqual(a);
    expect(synthesizeWorkload(conv, { trace: 'conv', seed: 8 }).map((r) => r.type)).not.toEqual(a.map((r) => r.type));
  });

  it('draws the documented type mix for the conversation trace and only code for the code trace', () => {
    const w = synthesizeWorkload(conv, { trace: 'conv', seed: 1 });
    const share = (t: string) => w.filter((r) => r.type === t).length / w.length;
    expect(share('chat')).toBeGreaterThan(0.45);
    expect(share('chat')).toBeLessThan(0.55);
    expect(share('math')).toBeGreaterThan(0.05);
    const code = synthesizeWorkload(sliceTrace(loadTrace('code'), 0, 300), { trace: 'code', seed: 1 });
    expect(new Set(code.map((r) => r.type))).toEqual(new Set(['code']));
  });

  it('draws temperatures from the documented mix per type, code more often greedy than chat', () => {
    const w = synthesizeWorkload(conv, { trace: 'conv', seed: 1 });
    const of = (type: string) => w.filter((r) => r.type === type).map((r) => r.temperature);
    const greedyShare = (ts: number[]) => ts.filter((t) => t === 0).length / ts.length;
    expect(greedyShare(of('chat'))).toBeGreaterThan(0.15);
    expect(greedyShare(of('chat'))).toBeLessThan(0.25);
    expect(greedyShare(of('code'))).toBeGreaterThan(greedyShare(of('chat')));
    for (const r of w) expect(TEMPERATURE_MIX[r.type].map(([t]) => t)).toContain(r.temperature);
  });

  it('keeps the shared prefix inside the prompt', () => {
    for (const r of synthesizeWorkload(conv, { trace: 'conv', seed: 3 })) {
      if (r.prefixGroup >= 0) expect(r.prefixTokens).toBeLessThan(r.inputTokens);
      else expect(r.prefixTokens).toBe(0);
    }
  });
});

describe('synthetic prompts', () => {
  const w = synthesizeWorkload(sliceTrace(loadTrace('conv'), 0, 120), { trace: 'conv', seed: 5 });

  it('have the trace prompt length in Llama 3 tokens once the chat template is applied', () => {
    // Prompts shorter than the template plus the type's opening words cannot be made; the trace has a few.
    const long = w.filter((r) => r.inputTokens >= 64).slice(0, 40);
    expect(long.length).toBe(40);
    for (const r of long) {
      const tokens = encode(renderLlama31Chat(chatPromptFor(r).messages)).length;
      expect(Math.abs(tokens - r.inputTokens)).toBeLessThanOrEqual(Math.max(3, r.inputTokens * 0.01));
    }
  });

  it('read as their type to the router classifier', () => {
    for (const r of w.slice(0, 60)) {
      const ask = chatPromptFor(r).messages.at(-1)!.content;
      expect(guessRequestType(ask)).toBe(r.type);
    }
  });

  it('repeat the system prompt word for word within a prefix group', () => {
    const grouped = w.filter((r) => r.prefixGroup === w.find((x) => x.prefixGroup >= 0)!.prefixGroup);
    expect(grouped.length).toBeGreaterThan(1);
    const systems = new Set(grouped.map((r) => chatPromptFor(r).messages[0]!.content));
    expect(systems.size).toBe(1);
  });
});
