export interface Summary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
  n: number;
}

function at(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return {
    p50: at(sorted, 50),
    p90: at(sorted, 90),
    p99: at(sorted, 99),
    max: sorted.at(-1) ?? NaN,
    mean,
    n: sorted.length,
  };
}

export const fmt = (n: number, digits = 2) => n.toFixed(digits);
