/**
 * Writes schemas/cluster.config.schema.json and docs/config.md from the zod schema.
 * Run after changing anything under src/config/schema*: tests fail while either file is stale.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderConfigDocs } from '../src/config/config-docs.ts';
import { buildJsonSchema, jsonSchemaText } from '../src/config/json-schema.ts';

export const SCHEMA_FILE = fileURLToPath(new URL('../schemas/cluster.config.schema.json', import.meta.url));
export const DOCS_FILE = fileURLToPath(new URL('../docs/config.md', import.meta.url));

writeFileSync(SCHEMA_FILE, jsonSchemaText());
writeFileSync(DOCS_FILE, renderConfigDocs(buildJsonSchema()));
process.stdout.write(`wrote ${SCHEMA_FILE}\nwrote ${DOCS_FILE}\n`);
