import { watch as fsWatch } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from '../../observability/logger.js';
import type { DiscoveryListener, DiscoverySource } from '../pods/discovery-source.js';
import { parseEndpoint } from '../pods/endpoint.js';
import type { Endpoint } from '../pods/endpoint.js';
import { checkEndpointModes, parsePolicyText } from './load-policy-file.js';

/** Something that reports possible changes to a file until closed. */
export interface FileWatcher {
  close(): void;
}

/** Timer for the debounce; returns a cancel function. */
export type Schedule = (fn: () => void, ms: number) => () => void;

export interface PolicyFileSourceOptions {
  path: string;
  /** mode → URL[#namespace/pod]. */
  endpoints: Record<string, readonly string[]>;
  readFile: (path: string) => string;
  logger: Logger;
  /** Bursts of change events (an editor's write + rename, a ConfigMap symlink swap) become one reload. */
  debounceMs?: number;
  watch?: (path: string, onChange: () => void) => FileWatcher;
  schedule?: Schedule;
}

/**
 * Watches the file's directory, not the file: editors and ConfigMap updates replace the file (rename, symlink swap),
 * which ends a watch on the old inode.
 */
export function watchDirectoryOf(path: string, onChange: () => void): FileWatcher {
  const name = basename(path);
  const watcher = fsWatch(dirname(path), { persistent: false }, (_event, file) => {
    // Kubernetes swaps a `..data` symlink; other editors name the file itself (or nothing, on some platforms).
    if (file === null || file === name || file.startsWith('..')) onChange();
  });
  return watcher;
}

const timeout: Schedule = (fn, ms) => {
  const t = setTimeout(fn, ms);
  return () => clearTimeout(t);
};

/**
 * A policy file plus fixed endpoints. The file is re-read when it changes: a valid new policy replaces the current
 * one between requests (requests in flight keep theirs); an invalid one is logged and the previous policy stays.
 */
export function policyFileSource(o: PolicyFileSourceOptions): DiscoverySource {
  const byMode = new Map<string, Endpoint[]>();
  for (const [mode, urls] of Object.entries(o.endpoints))
    byMode.set(
      mode,
      urls.map((u) => parseEndpoint(mode, u)),
    );
  const schedule = o.schedule ?? timeout;
  const load = (text: string) => {
    const policy = parsePolicyText(o.path, text);
    checkEndpointModes(policy, o.endpoints);
    return policy;
  };
  let lastText = o.readFile(o.path);
  // Fails start-up (and so the command) when the file is bad at start: there is no previous policy to keep.
  const initial = load(lastText);
  let watcher: FileWatcher | undefined;
  let cancel: (() => void) | undefined;

  const reload = (listener: DiscoveryListener) => {
    cancel = undefined;
    let text: string;
    try {
      text = o.readFile(o.path);
    } catch (err) {
      // Mid-replacement the file can be missing for a moment; the next event retries.
      o.logger.warn('policy file unreadable; keeping the current policy', {
        path: o.path,
        error: (err as Error).message,
      });
      return;
    }
    if (text === lastText) return;
    lastText = text;
    try {
      const policy = load(text);
      o.logger.info('policy file changed; applying it', { path: o.path });
      listener.policy(policy);
    } catch (err) {
      o.logger.error('policy file rejected; keeping the current policy', {
        path: o.path,
        error: (err as Error).message,
      });
    }
  };

  return {
    async start(listener) {
      listener.policy(initial);
      listener.endpoints(byMode);
      watcher = (o.watch ?? watchDirectoryOf)(o.path, () => {
        cancel?.();
        cancel = schedule(() => reload(listener), o.debounceMs ?? 200);
      });
    },
    async stop() {
      cancel?.();
      watcher?.close();
    },
  };
}
