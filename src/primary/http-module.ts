import { createRequire } from 'node:module';

/**
 * `node:http`, loaded with require(). Imported as an ES module it gets an ESM facade that reads every one of
 * its exports, and one of those getters loads Node's bundled undici (for fetch and WebSocket): about 13 MB of
 * RSS and 20 ms of start that the primary never uses (measured: docs/benchmarks.md). require() reads none.
 */
export const http: typeof import('node:http') = createRequire(import.meta.url)('node:http');
