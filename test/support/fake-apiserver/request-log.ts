import type { Verb } from './faults.js';

export interface RequestRecord {
  method: string;
  path: string;
  /** Raw query string without the leading `?`. */
  query: string;
  contentType: string;
  status: number;
  /** Kubernetes verb for resource requests, undefined for discovery. */
  verb?: Verb;
  /** Plural (with `/subresource`) for resource requests. */
  resource?: string;
  fieldManager?: string;
}

export interface RequestFilter {
  method?: string;
  verb?: Verb;
  resource?: string;
}

const WRITE_VERBS: Verb[] = ['create', 'update', 'patch', 'delete', 'deletecollection'];

/** Every request the server answered, in order, so tests and benchmarks can count what a client did. */
export class RequestLog {
  private records: RequestRecord[] = [];

  add(record: RequestRecord): void {
    this.records.push(record);
  }

  entries(filter: RequestFilter = {}): RequestRecord[] {
    return this.records.filter(
      (r) =>
        (!filter.method || r.method === filter.method) &&
        (!filter.verb || r.verb === filter.verb) &&
        (!filter.resource || r.resource === filter.resource),
    );
  }

  count(filter: RequestFilter = {}): number {
    return this.entries(filter).length;
  }

  /** Requests per write verb (create, update, patch, delete, deletecollection). */
  writeCounts(): Record<string, number> {
    const counts: Record<string, number> = Object.fromEntries(WRITE_VERBS.map((v) => [v, 0]));
    for (const r of this.records)
      if (r.verb && WRITE_VERBS.includes(r.verb)) counts[r.verb] = (counts[r.verb] ?? 0) + 1;
    return counts;
  }

  /** Total write requests. */
  writes(): number {
    return Object.values(this.writeCounts()).reduce((a, b) => a + b, 0);
  }

  clear(): void {
    this.records = [];
  }
}
