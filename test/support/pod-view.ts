import type { PodView } from '../../src/router/decide/pod-view.js';

/** A ready, healthy pod as decide() sees it, with `inFlight` requests and any field overridden. */
export function podView(url: string, over: Partial<PodView> = {}, inFlight = 0): PodView {
  return {
    record: {
      url,
      mode: '',
      ready: true,
      inFlight,
      ejectedUntil: 0,
      consecutiveFailures: 0,
      ejections: 0,
      checkFailing: false,
      waiting: new Set(),
    },
    healthy: true,
    ...over,
  };
}
