import type * as z from 'zod';

type AnySchema = z.core.$ZodType;

/**
 * The keys a strict object at `path` accepts, found by walking the schema alongside the data, so a
 * did-you-mean can offer them. A discriminated union offers the keys of the option the data picked
 * (`backoff: { strategy: 'fixed', delayMS: 5 }` suggests `delayMs`, not `initialMs`).
 */
export function knownKeysAt(schema: AnySchema, data: unknown, path: readonly PropertyKey[]): string[] {
  let node: AnySchema | undefined = schema;
  let value = data;
  for (const segment of path) {
    node = objectLike(node, value);
    if (node === undefined) return [];
    const def = node._zod.def;
    if (def.type === 'object') node = (def as z.core.$ZodObjectDef).shape[String(segment)];
    else if (def.type === 'record') node = (def as z.core.$ZodRecordDef).valueType;
    else if (def.type === 'array') node = (def as z.core.$ZodArrayDef).element;
    else return [];
    value = isRecord(value) ? value[String(segment)] : undefined;
  }
  const target = objectLike(node, value);
  return target?._zod.def.type === 'object'
    ? Object.keys((target._zod.def as z.core.$ZodObjectDef).shape)
    : [];
}

/** Unwraps defaults, optionals and pipes, and picks the union option matching the data. */
function objectLike(node: AnySchema | undefined, value: unknown): AnySchema | undefined {
  let current = node;
  for (let depth = 0; current !== undefined && depth < 20; depth++) {
    const def = current._zod.def as z.core.$ZodTypeDef & Record<string, unknown>;
    switch (def.type) {
      case 'default':
      case 'prefault':
      case 'optional':
      case 'nullable':
      case 'readonly':
      case 'nonoptional':
      case 'catch':
        current = def.innerType as AnySchema;
        break;
      case 'pipe':
        current = def.in as AnySchema;
        break;
      case 'union': {
        const options = def.options as AnySchema[];
        const discriminator = def.discriminator as string | undefined;
        const wanted = isRecord(value) && discriminator !== undefined ? value[discriminator] : undefined;
        current = options.find((option) => {
          const shape = (option._zod.def as Partial<z.core.$ZodObjectDef>).shape;
          const literal = discriminator === undefined ? undefined : shape?.[discriminator]?._zod.def;
          return (
            literal?.type === 'literal' &&
            (literal as z.core.$ZodLiteralDef<z.core.util.Literal>).values.includes(wanted as never)
          );
        });
        if (current === undefined) return undefined;
        break;
      }
      default:
        return current;
    }
  }
  return current;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
