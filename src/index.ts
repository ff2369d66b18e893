export { defineConfig } from './config/define-config.ts';
export type { ConfigError } from './config/errors.ts';
export type {
  BackoffConfig,
  ClusterConfig,
  ClusterConfigInput,
  GroupConfig,
  GroupConfigInput,
} from './config/schema.ts';
