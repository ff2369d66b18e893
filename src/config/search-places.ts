import { getDefaultSearchPlaces } from 'cosmiconfig';

/** The module name for cosmiconfig's own places: package.json key `orchestrator`, `.orchestratorrc*`, ... */
export const MODULE_NAME = 'orchestrator';

/** The contract's order: the first file found in the folder wins. */
export const CONFIG_SEARCH_PLACES: readonly string[] = [
  'cluster.config.ts',
  'cluster.config.mts',
  'cluster.config.js',
  'cluster.config.mjs',
  'cluster.config.cjs',
  'cluster.config.json',
  'cluster.config.yaml',
  'cluster.config.yml',
  ...getDefaultSearchPlaces(MODULE_NAME),
];
