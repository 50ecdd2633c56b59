import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../observability/logger.js';

/**
 * Clients' API keys, read from a directory with one file per client (a Secret mounted as a volume: file name = the
 * Secret's data key = the client's name, content = its key) and read again every `reloadMs`, so a rotated Secret
 * takes effect without a restart. Keys are held only as SHA-256 digests: a lookup compares digests, so its time says
 * nothing about how much of a guessed key was right, and no key is ever logged.
 */
export class ClientKeys {
  private byDigest = new Map<string, string>();
  private fingerprint = '';
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly dir: string,
    private readonly logger: Logger,
    reloadMs: number,
  ) {
    // At start a missing or unreadable directory is a deployment error worth failing on; later it keeps the last keys.
    this.load(true);
    this.timer = setInterval(() => this.load(false), reloadMs);
    this.timer.unref();
  }

  /** The client whose key this is, or undefined. */
  clientOf(key: string): string | undefined {
    return this.byDigest.get(digest(key));
  }

  /** How many keys are loaded. */
  get size(): number {
    return this.byDigest.size;
  }

  close(): void {
    clearInterval(this.timer);
  }

  private load(initial: boolean): void {
    let next: Map<string, string>;
    try {
      next = readKeys(this.dir);
    } catch (err) {
      if (initial) throw new Error(`cannot read client API keys from ${this.dir}: ${(err as Error).message}`);
      this.logger.warn('cannot re-read client API keys; keeping the previous ones', {
        dir: this.dir,
        error: (err as Error).message,
      });
      return;
    }
    const fingerprint = [...next].map(([d, name]) => `${name}:${d}`).join(',');
    if (fingerprint === this.fingerprint) return;
    this.byDigest = next;
    this.fingerprint = fingerprint;
    const clients = [...new Set(next.values())].sort();
    if (clients.length === 0) this.logger.warn('no client API keys: every request will be refused', { dir: this.dir });
    else this.logger.info('client API keys loaded', { clients });
  }
}

function digest(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** digest → client name, from every regular file of the directory not starting with `.` (the Secret volume's own). */
function readKeys(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.')) continue;
    const path = join(dir, name);
    if (!statSync(path).isFile()) continue;
    // A key file ends with a newline more often than not; the key itself never does.
    const key = readFileSync(path, 'utf8').trim();
    if (key !== '') out.set(digest(key), name);
  }
  return out;
}
