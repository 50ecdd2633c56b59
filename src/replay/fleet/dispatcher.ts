import type { WorkloadRequest } from '../../sim/workload/synthesize.js';
import type { FleetGpu } from './pool.js';

/** Where one request goes, and which rule sent it there (policy strategies only). */
export interface Dispatch {
  gpu: FleetGpu;
  rule?: string;
  /** The LoRA adapter the engine is asked for, when the decision chose an adapter mode on `gpu`'s pods. */
  adapter?: string;
  /** True when the router would have refused it (every mode guarded off); it is then served by the default mode. */
  unroutable?: boolean;
  /** Called when the request finishes (the router's in-flight bookkeeping). */
  onDone?: () => void;
}

/** A strategy: picks a GPU per request; `observe` runs on every telemetry tick of simulated time. */
export interface Dispatcher {
  observe?(nowSeconds: number): void;
  dispatch(request: WorkloadRequest, nowSeconds: number): Dispatch;
}
