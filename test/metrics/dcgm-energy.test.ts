import { energyUsed } from '../../src/metrics/dcgm-energy.js';

describe('the DCGM energy counter', () => {
  it('turns two readings into joules and average watts', () => {
    expect(energyUsed({ millijoules: 1_000_000, atMs: 0 }, { millijoules: 1_500_000, atMs: 2000 })).toEqual({
      joules: 500,
      watts: 250,
    });
  });

  it('counts nothing from a first reading, and gives no power when no time passed', () => {
    expect(energyUsed(undefined, { millijoules: 5_000_000, atMs: 0 })).toEqual({ joules: 0 });
    expect(energyUsed({ millijoules: 1_000, atMs: 10 }, { millijoules: 3_000, atMs: 10 })).toEqual({ joules: 2 });
  });

  it('after a reset (driver reload) counts what the restarted counter shows, for energy and power alike', () => {
    // The counter went from 1,500 J back to 2 J: 2 J were used since it restarted, none lost and none negative.
    expect(energyUsed({ millijoules: 1_500_000, atMs: 0 }, { millijoules: 2_000, atMs: 1000 })).toEqual({
      joules: 2,
      watts: 2,
    });
  });
});
