/** Header (HTTP) and metadata (gRPC) names the router sets on answers. Hint headers a client sets: classify/hints.ts. */
export const MODE_HEADER = 'x-modeswitch-mode';
export const RULE_HEADER = 'x-modeswitch-rule';
/** Set when the mode is a LoRA adapter mode: the adapter the engine was asked for (the model name upstream). */
export const ADAPTER_HEADER = 'x-modeswitch-adapter';
export const REQUEST_ID_HEADER = 'x-request-id';
