import { fileURLToPath } from 'node:url';

/**
 * The path of a module next to `from` (an `import.meta.url`), with `from`'s own extension: `.ts` when the
 * code runs from `src/` under Node's type stripping, `.js` when it runs from `dist/`.
 * Example: siblingModule('file:///app/dist/primary/hosts/remote-host.js', 'host-process')
 *   -> '/app/dist/primary/hosts/host-process.js'
 */
export function siblingModule(from: string, name: string): string {
  const extension = from.endsWith('.ts') ? '.ts' : '.js';
  return fileURLToPath(new URL(`${name}${extension}`, from));
}
