/** One pod of one mode, as discovery sees it. */
export interface Endpoint {
  /** Base URL of the pod's vLLM OpenAI server, e.g. http://10.0.0.7:8000. */
  url: string;
  mode: string;
  /** Pod name and namespace: the join keys for dcgm-exporter's `pod`/`namespace` labels. */
  pod?: string;
  namespace?: string;
  ready: boolean;
}

/** An endpoint plus what the router itself knows about it; one stable object per URL so counters survive updates. */
export interface PodRecord extends Endpoint {
  /** Requests this router has in flight to the pod. */
  inFlight: number;
  /** Passive health: an ejected pod is skipped until this time (ms). */
  ejectedUntil: number;
  /** Failed attempts in a row (5xx, connection errors, late first bytes); reset by a success. */
  consecutiveFailures: number;
  /** Ejections since the last success: each one lasts longer. */
  ejections: number;
  /** Active health: the last /health check failed. */
  checkFailing: boolean;
  /** Attempts waiting for this pod's first byte: cancelled (and moved elsewhere) when the pod is found dead. */
  waiting: Set<Abortable>;
}

export interface Abortable {
  abort(reason: string): void;
}

/**
 * Parses the standalone endpoint form `URL` or `URL#namespace/pod` (the fragment names the pod for the
 * dcgm-exporter join and is never sent upstream).
 */
export function parseEndpoint(mode: string, text: string): Endpoint {
  const hash = text.indexOf('#');
  const raw = hash < 0 ? text : text.slice(0, hash);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`endpoint "${text}" of mode ${mode} is not a URL (expected http://host:port[#namespace/pod])`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`endpoint "${text}" of mode ${mode} must be http:// or https://`);
  }
  const base = `${url.protocol}//${url.host}`;
  if (hash < 0) return { url: base, mode, ready: true };
  const ref = text.slice(hash + 1);
  const slash = ref.indexOf('/');
  return slash < 0
    ? { url: base, mode, pod: ref, ready: true }
    : { url: base, mode, namespace: ref.slice(0, slash), pod: ref.slice(slash + 1), ready: true };
}
