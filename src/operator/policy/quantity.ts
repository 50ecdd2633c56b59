/** Kubernetes quantity suffixes and their multipliers (apimachinery resource.Quantity). */
const SUFFIXES: Record<string, number> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const QUANTITY = /^([+-]?\d+(?:\.\d+)?)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;

/** The numeric value of a quantity such as `500m` or `1Gi`; undefined for anything else. */
export function quantityValue(text: string): number | undefined {
  const match = QUANTITY.exec(text);
  return match ? Number(match[1]) * SUFFIXES[match[2] ?? '']! : undefined;
}

/**
 * Whether two strings are the same quantity written differently. The API server stores quantities in canonical
 * form (`1000m` becomes `1`, `1024Mi` becomes `1Gi`), so a policy's spelling must not read as drift.
 */
export function sameQuantity(a: string, b: string): boolean {
  const x = quantityValue(a);
  const y = quantityValue(b);
  return x !== undefined && y !== undefined && Math.abs(x - y) <= Math.abs(x) * 1e-12;
}
