/**
 * The oldest Node that runs the orchestrator: 22.18 strips TypeScript types without a flag, which loading a
 * `cluster.config.ts` and the `.ts` worker entries needs. Kept in step with package.json `engines.node`.
 */
export const MINIMUM_NODE = '22.18.0';

/**
 * The one line to print when this Node is too old, or null when it is new enough. Plain code with no imports,
 * so that it runs on any Node a user may still have (the bin's entry calls it before anything else).
 */
export function nodeVersionProblem(running: string, execPath: string): string | null {
  if (!isOlder(running, MINIMUM_NODE)) return null;
  const [major, minor] = MINIMUM_NODE.split('.');
  return (
    `orchestrator: needs Node.js >= ${major}.${minor}, but this is Node.js v${running} (${execPath}); ` +
    'install Node.js 24 LTS (https://nodejs.org/en/download, or `nvm install 24`) and run it again'
  );
}

function isOlder(version: string, than: string): boolean {
  const a = version.split('.').map((part) => Number.parseInt(part, 10) || 0);
  const b = than.split('.').map((part) => Number.parseInt(part, 10) || 0);
  for (let i = 0; i < 3; i += 1) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) < (b[i] ?? 0);
  }
  return false;
}
