import { packageVersion } from '../../cli/version.ts';
import type { Versions } from './protocol.ts';

/** What this process runs: shown by `status` and reported by an upgrade. Read once, at start. */
export const VERSIONS: Versions = { node: process.version, orchestrator: packageVersion() };
