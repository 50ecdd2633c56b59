/**
 * Nelder-Mead simplex minimisation (standard coefficients), deterministic: the fitting script needs a derivative-free
 * minimiser over two or three constants, and one this small is clearer than a numerical library.
 */
export function minimise(f: (x: number[]) => number, start: number[], step: number[], iterations: number): number[] {
  const n = start.length;
  let simplex = [start, ...start.map((_, i) => start.map((v, j) => (i === j ? v + step[j]! : v)))].map((x) => ({
    x,
    y: f(x),
  }));
  const combine = (a: number[], b: number[], t: number): number[] => a.map((v, i) => v + t * (b[i]! - v));
  for (let it = 0; it < iterations; it += 1) {
    simplex.sort((p, q) => p.y - q.y);
    const worst = simplex[n]!;
    const centroid = start.map((_, j) => simplex.slice(0, n).reduce((s, p) => s + p.x[j]!, 0) / n);
    const reflected = combine(centroid, worst.x, -1);
    const yr = f(reflected);
    if (yr < simplex[0]!.y) {
      const expanded = combine(centroid, worst.x, -2);
      const ye = f(expanded);
      simplex[n] = ye < yr ? { x: expanded, y: ye } : { x: reflected, y: yr };
    } else if (yr < simplex[n - 1]!.y) {
      simplex[n] = { x: reflected, y: yr };
    } else {
      const contracted = combine(centroid, worst.x, 0.5);
      const yc = f(contracted);
      if (yc < worst.y) {
        simplex[n] = { x: contracted, y: yc };
      } else {
        const best = simplex[0]!.x;
        simplex = simplex.map((p, i) => {
          if (i === 0) return p;
          const x = combine(best, p.x, 0.5);
          return { x, y: f(x) };
        });
      }
    }
  }
  simplex.sort((p, q) => p.y - q.y);
  return simplex[0]!.x;
}
