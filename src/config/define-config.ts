import type { ClusterConfigInput } from './schema.ts';

/**
 * Returns its argument unchanged. It exists for the types: `export default defineConfig({ ... })` gets
 * autocompletion and checks in the editor, with defaulted keys optional.
 */
export function defineConfig(config: ClusterConfigInput): ClusterConfigInput {
  return config;
}
