/** Header (HTTP) and metadata (gRPC) names the router sets on answers. Hint headers a client sets: classify/hints.ts. */
export const MODE_HEADER = 'x-modeswitch-mode';
export const RULE_HEADER = 'x-modeswitch-rule';
export const REQUEST_ID_HEADER = 'x-request-id';
