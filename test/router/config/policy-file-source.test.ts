import { PassThrough } from 'node:stream';
import { stringify } from 'yaml';
import type { InferenceModePolicy } from '../../../src/api/v1alpha1/types.js';
import { createLogger } from '../../../src/observability/logger.js';
import { policyFileSource } from '../../../src/router/config/policy-file-source.js';
import { testPolicy } from '../support/harness.js';

/** An in-memory file, a watcher the test fires by hand, and a debounce timer the test runs by hand. */
function setup(initial: string) {
  const files = new Map([['/etc/p.yaml', initial]]);
  let fire: (() => void) | undefined;
  let closed = false;
  const pending: (() => void)[] = [];
  const logs: string[] = [];
  const stream = new PassThrough();
  stream.on('data', (d: Buffer) => logs.push(d.toString()));
  const applied: InferenceModePolicy[] = [];
  const source = policyFileSource({
    path: '/etc/p.yaml',
    endpoints: { fp8: ['http://10.0.0.1:8000'], int4: ['http://10.0.0.2:8000'] },
    readFile: (p) => {
      const text = files.get(p);
      if (text === undefined) throw new Error(`ENOENT: ${p}`);
      return text;
    },
    logger: createLogger('test', { level: 'info', stream }),
    watch: (_path, onChange) => {
      fire = onChange;
      return { close: () => void (closed = true) };
    },
    schedule: (fn) => {
      pending.push(fn);
      return () => void pending.splice(pending.indexOf(fn), 1);
    },
  });
  const listener = { policy: (p: InferenceModePolicy) => void applied.push(p), endpoints: () => undefined };
  return {
    source,
    listener,
    applied,
    logs,
    write: (text: string | undefined) =>
      text === undefined ? files.delete('/etc/p.yaml') : files.set('/etc/p.yaml', text),
    /** Reports a change event, `times` times in a burst. */
    change: (times = 1) => {
      for (let i = 0; i < times; i++) fire?.();
    },
    /** Lets the debounce timer run out. */
    settle: () => pending.splice(0).forEach((fn) => fn()),
    closed: () => closed,
  };
}

const policyWith = (defaultMode: string) => stringify(testPolicy({ defaultMode }, ['fp8', 'int4']));

describe('policyFileSource', () => {
  it('applies the file at start, then each valid edit once per burst of change events', async () => {
    const t = setup(policyWith('fp8'));
    await t.source.start(t.listener);
    expect(t.applied.map((p) => p.spec.routing.defaultMode)).toEqual(['fp8']);
    t.write(policyWith('int4'));
    t.change(3);
    t.settle();
    expect(t.applied.map((p) => p.spec.routing.defaultMode)).toEqual(['fp8', 'int4']);
    t.change();
    t.settle();
    expect(t.applied).toHaveLength(2);
    await t.source.stop();
    expect(t.closed()).toBe(true);
  });

  it('keeps the current policy and logs why when an edit is invalid or the file is missing', async () => {
    const t = setup(policyWith('fp8'));
    await t.source.start(t.listener);
    t.write(policyWith('nope'));
    t.change();
    t.settle();
    t.write('modes: [unclosed');
    t.change();
    t.settle();
    t.write(stringify(testPolicy({ defaultMode: 'fp8' }, ['fp8'])));
    t.change();
    t.settle();
    t.write(undefined);
    t.change();
    t.settle();
    expect(t.applied).toHaveLength(1);
    const lines = t.logs
      .join('')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { level: string; message: string; error?: string });
    const problems = lines.filter((l) => l.level !== 'info').map((l) => [l.level, l.message, l.error]);
    expect(problems).toEqual([
      [
        'error',
        'policy file rejected; keeping the current policy',
        expect.stringMatching(/the policy is invalid: .*defaultMode/),
      ],
      ['error', 'policy file rejected; keeping the current policy', expect.stringMatching(/not valid YAML/)],
      [
        'error',
        'policy file rejected; keeping the current policy',
        expect.stringMatching(/endpoints name modes the policy does not have: int4/),
      ],
      ['warn', 'policy file unreadable; keeping the current policy', 'ENOENT: /etc/p.yaml'],
    ]);
    t.write(policyWith('int4'));
    t.change();
    t.settle();
    expect(t.applied.map((p) => p.spec.routing.defaultMode)).toEqual(['fp8', 'int4']);
  });

  it('refuses to start on an invalid file', () => {
    expect(() => setup(policyWith('nope'))).toThrow(/the policy is invalid: .*defaultMode/);
  });
});
