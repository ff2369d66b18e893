/** `--name value` / `--name=value` flags of the bench scripts, with numeric defaults. */
export function numberFlag(name: string, fallback: number, argv = process.argv.slice(2)): number {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === `--${name}`) return parse(name, argv[i + 1]);
    if (arg.startsWith(`--${name}=`)) return parse(name, arg.slice(name.length + 3));
  }
  return fallback;
}

function parse(name: string, raw: string | undefined): number {
  const value = Number(raw);
  if (raw === undefined || !Number.isFinite(value) || value < 0) throw new Error(`--${name} wants a number`);
  return value;
}
