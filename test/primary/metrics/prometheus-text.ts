import { createRequire } from 'node:module';

/** One metric family as parse-prometheus-text-format returns it. */
export interface ParsedFamily {
  name: string;
  help: string;
  type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  metrics: Array<{
    value?: string;
    labels?: Record<string, string>;
    buckets?: Record<string, string>;
    count?: string;
    sum?: string;
  }>;
}

// The package ships no types; this is its whole API.
const parse = createRequire(import.meta.url)('parse-prometheus-text-format') as (
  text: string,
) => ParsedFamily[];

/** Parses Prometheus text exposition into families by name (a second family of one name is an error). */
export function parsePrometheus(text: string): Map<string, ParsedFamily> {
  const families = new Map<string, ParsedFamily>();
  for (const family of parse(text)) {
    if (families.has(family.name)) throw new Error(`metric family ${family.name} appears twice`);
    families.set(family.name, family);
  }
  return families;
}

export function family(families: Map<string, ParsedFamily>, name: string): ParsedFamily {
  const found = families.get(name);
  if (found === undefined)
    throw new Error(`no metric family ${name}; have ${[...families.keys()].join(', ')}`);
  return found;
}
