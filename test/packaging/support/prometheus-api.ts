export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface QueryResult {
  status: 'success' | 'error';
  error?: string;
  samples: Sample[];
}

/** Instant query through /api/v1/query; a scalar result counts as one sample. */
export async function queryInstant(prometheusUrl: string, expr: string): Promise<QueryResult> {
  const response = await fetch(`${prometheusUrl}/api/v1/query?${new URLSearchParams({ query: expr })}`);
  const body = (await response.json()) as {
    status: 'success' | 'error';
    error?: string;
    data?: { resultType: string; result: unknown };
  };
  if (body.status !== 'success' || !body.data)
    return { status: 'error', error: body.error ?? `HTTP ${response.status}`, samples: [] };
  const { resultType, result } = body.data;
  if (resultType === 'scalar')
    return { status: 'success', samples: [{ metric: {}, value: result as [number, string] }] };
  return { status: 'success', samples: result as Sample[] };
}

/** Polls until `expr` returns a sample whose value reaches `min`, or gives up after `timeoutMs`. */
export async function waitForValue(prometheusUrl: string, expr: string, min: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no sample';
  while (Date.now() < deadline) {
    const { samples } = await queryInstant(prometheusUrl, expr);
    const value = Number(samples[0]?.value[1]);
    if (value >= min) return;
    last = samples.length > 0 ? String(value) : 'no sample';
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${expr} did not reach ${min} within ${timeoutMs} ms (last: ${last})`);
}
