// jest globalSetup: picks the state dir of this run's local control plane (test/support/cluster.ts starts it on
// first use, so runs without cluster tests pay nothing). A preset MODESWITCH_TEST_CLUSTER_DIR is reused and kept.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup() {
  if (process.env.MODESWITCH_TEST_CLUSTER_DIR) return;
  const dir = mkdtempSync(join(tmpdir(), 'modeswitch-cluster-'));
  process.env.MODESWITCH_TEST_CLUSTER_DIR = dir;
  globalThis.modeswitchOwnedClusterDir = dir;
}
