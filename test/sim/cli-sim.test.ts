import { runSim } from '../../src/cli/sim.js';

async function capture(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io = {
    out: (line: string) => void (out += `${line}\n`),
    err: (line: string) => void (err += `${line}\n`),
    readFile: () => '',
  };
  const code = await runSim(argv, io);
  return { code, out, err };
}

describe('modeswitch sim', () => {
  it('whatif prints one row per mode and concurrency with latency, energy and quality', async () => {
    const { code, out } = await capture([
      'whatif',
      '--gpu',
      'a100-80gb',
      '--modes',
      'fp16,int4-awq',
      '--concurrency',
      '1,8',
      '--requests',
      '8',
      '--type',
      'math',
    ]);
    expect(code).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^gpu a100-80gb {2}model llama-3.1-8b-instruct {2}tensor-parallel 1 /);
    expect(lines[1]).toMatch(
      /^mode\s+concurrency\s+latency_s\s+ttft_s\s+tokens_per_s\s+joules_per_token\s+quality_delta_pts$/,
    );
    expect(lines).toHaveLength(6);
    expect(lines.find((l) => l.startsWith('int4-awq') && /\s1\s/.test(l))).toMatch(/-2\.5$/);
  });

  it('whatif runs the H100 its help names unless told otherwise, at the tensor parallelism and temperature given', async () => {
    const args = ['whatif', '--modes', 'spec-eagle3', '--concurrency', '1', '--requests', '2', '--output', '64'];
    const greedy = await capture(args);
    expect(greedy.out).toMatch(/^gpu h100-80gb {2}model llama-3.1-8b-instruct {2}tensor-parallel 1 .*temperature 0$/m);
    const sampled = await capture([...args, '--temperature', '1', '--tensor-parallel-size', '2']);
    expect(sampled.out).toMatch(/tensor-parallel 2 .*temperature 1$/m);
    const tokensPerSecond = (out: string): number => Number(out.trim().split('\n')[2]!.split(/\s+/)[4]);
    // Two GPUs stream the weights faster; sampling at temperature 1 accepts fewer drafts. Net: different figures.
    expect(tokensPerSecond(sampled.out)).not.toBe(tokensPerSecond(greedy.out));
    const oneGpuSampled = await capture([...args, '--temperature', '1']);
    expect(tokensPerSecond(oneGpuSampled.out)).toBeLessThan(tokensPerSecond(greedy.out));
    expect(tokensPerSecond(sampled.out)).toBeGreaterThan(tokensPerSecond(oneGpuSampled.out));
    expect((await capture([...args, '--temperature', '3'])).err).toMatch(/--temperature must be between 0 and 2/);
  });

  it('explains bad input with a non-zero exit code', async () => {
    expect((await capture(['bogus'])).code).toBe(2);
    const badType = await capture(['whatif', '--type', 'poetry']);
    expect(badType.code).toBe(1);
    expect(badType.err).toMatch(/--type must be one of/);
    const badMode = await capture(['whatif', '--modes', 'int3']);
    expect(badMode.err).toMatch(/unknown mode preset 'int3'/);
  });
});
