/** A worker line that is a JSON object, e.g. a record from an app that logs with pino. */
export type JsonRecord = Record<string, unknown>;

const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;

/**
 * The line's fields if it is one JSON object, else undefined. Only a line that starts with `{` and ends with
 * `}` is parsed at all, so plain text (most lines) costs two character reads, and text that merely starts
 * with a brace rarely pays for a thrown SyntaxError.
 */
export function parseJsonRecord(line: string): JsonRecord | undefined {
  if (line.charCodeAt(0) !== OPEN_BRACE || line.charCodeAt(line.length - 1) !== CLOSE_BRACE) return undefined;
  try {
    // A line that starts with `{` and parses is always an object (never an array or null).
    return JSON.parse(line) as JsonRecord;
  } catch {
    return undefined;
  }
}
