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
    expect(lines[0]).toMatch(
      /^mode\s+concurrency\s+latency_s\s+ttft_s\s+tokens_per_s\s+joules_per_token\s+quality_delta_pts$/,
    );
    expect(lines).toHaveLength(5);
    expect(lines.find((l) => l.startsWith('int4-awq') && /\s1\s/.test(l))).toMatch(/-2\.5$/);
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
