import type { Condition } from '../../../src/api/v1alpha1/types.js';
import { becameStatus, setCondition } from '../../../src/operator/policy/conditions.js';

const T1 = '2026-01-01T00:00:00Z';
const T2 = '2026-01-01T00:05:00Z';

describe('setCondition', () => {
  it('adds a missing condition stamped now', () => {
    const out = setCondition(
      [],
      { type: 'Ready', status: 'False', reason: 'ReplicasNotReady', message: 'fp8 0/1 ready' },
      T1,
      3,
    );
    expect(out).toEqual([
      {
        type: 'Ready',
        status: 'False',
        reason: 'ReplicasNotReady',
        message: 'fp8 0/1 ready',
        lastTransitionTime: T1,
        observedGeneration: 3,
      },
    ]);
  });

  it('keeps lastTransitionTime when only reason or message change', () => {
    const start = setCondition([], { type: 'Ready', status: 'False', reason: 'A', message: 'a' }, T1);
    const out = setCondition(start, { type: 'Ready', status: 'False', reason: 'B', message: 'b' }, T2);
    expect(out[0]).toMatchObject({ reason: 'B', message: 'b', lastTransitionTime: T1 });
  });

  it('moves lastTransitionTime on a status change and leaves other conditions alone', () => {
    const start: Condition[] = [
      { type: 'PolicyValid', status: 'True', reason: 'Valid', message: '', lastTransitionTime: T1 },
      { type: 'Ready', status: 'False', reason: 'A', message: '', lastTransitionTime: T1 },
    ];
    const out = setCondition(start, { type: 'Ready', status: 'True', reason: 'AllReplicasReady', message: '' }, T2);
    expect(out.map((c) => [c.type, c.lastTransitionTime])).toEqual([
      ['PolicyValid', T1],
      ['Ready', T2],
    ]);
    expect(start[1]?.status).toBe('False');
  });
});

describe('becameStatus', () => {
  const ready = (status: 'True' | 'False'): Condition[] => [
    { type: 'Ready', status, reason: 'r', message: '', lastTransitionTime: T1 },
  ];
  it('is true only on a transition into the status', () => {
    expect(becameStatus(undefined, ready('True'), 'Ready', 'True')).toBe(true);
    expect(becameStatus(ready('False'), ready('True'), 'Ready', 'True')).toBe(true);
    expect(becameStatus(ready('True'), ready('True'), 'Ready', 'True')).toBe(false);
    expect(becameStatus(ready('True'), ready('False'), 'Ready', 'True')).toBe(false);
  });
});
