/** One problem with a config, located as precisely as we know. */
export interface ConfigError {
  /** The config file (or, when none was found, the folder searched). */
  file: string;
  /** Dotted key path such as `groups.web.backoff.initialMs`; array items as `args[0]`; `''` for the whole file. */
  path: string;
  message: string;
  /** 1-based, when a parser reported a position. */
  line?: number;
  /** 1-based, when a parser reported a position. */
  column?: number;
}

/**
 * `FILE: path.to.key: message`, with `:LINE:COLUMN` after the file when known (the form terminals and editors
 * turn into links), and no path segment for whole-file problems:
 *   /app/cluster.config.ts: groups.web.count: must be an integer >= 0 or 'auto', got -1
 *   /app/cluster.config.json:4:12: Unexpected token } in JSON
 */
export function formatConfigError(error: ConfigError): string {
  const position =
    error.line === undefined
      ? ''
      : error.column === undefined
        ? `:${error.line}`
        : `:${error.line}:${error.column}`;
  const path = error.path === '' ? '' : ` ${error.path}:`;
  return `${error.file}${position}:${path} ${error.message}`;
}
