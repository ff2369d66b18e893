import * as z from 'zod';
import { configSchema } from './schema.ts';

export type JsonSchema = { [key: string]: unknown };

/**
 * The JSON Schema of the config file as a user writes it (input side: defaulted keys optional, defaults
 * shown), draft-07 because that is what VS Code and yaml-language-server fully support.
 * Each `description` is copied to `markdownDescription`, which VS Code renders (our descriptions use
 * backticks for code).
 */
export function buildJsonSchema(): JsonSchema {
  const schema = z.toJSONSchema(configSchema, { target: 'draft-07', io: 'input' }) as JsonSchema;
  addMarkdownDescriptions(schema);
  return schema;
}

/** The schema file's exact text: what `orchestrator schema` prints and schemas/ holds. */
export function jsonSchemaText(): string {
  return `${JSON.stringify(buildJsonSchema(), null, 2)}\n`;
}

function addMarkdownDescriptions(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) addMarkdownDescriptions(item);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const record = node as JsonSchema;
  for (const [key, value] of Object.entries(record)) {
    // `default` and `const` hold data, not schemas.
    if (key !== 'default' && key !== 'const' && key !== 'enum') addMarkdownDescriptions(value);
  }
  if (typeof record.description === 'string') record.markdownDescription = record.description;
}
