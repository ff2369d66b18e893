/**
 * Marks a build folder as CommonJS: the package is `"type": "module"`, so Node would read the `.js` files
 * of the worker runtime's CommonJS build (`tsconfig.worker-cjs.json`) as ES modules without this marker.
 *
 *   node scripts/mark-commonjs.ts dist/worker-cjs
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const folder = process.argv[2];
if (folder === undefined) {
  process.stderr.write('usage: node scripts/mark-commonjs.ts FOLDER\n');
  process.exit(2);
}
writeFileSync(join(folder, 'package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);
