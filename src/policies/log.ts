import type { Ctx } from './state.ts';
import type { EngineAction, Outcome } from './types.ts';

type Fields = Readonly<Record<string, string | number | boolean | null>>;

/** Log records are data: a fixed message per decision, the particulars in fields. */
export function log(ctx: Ctx, level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields: Fields): void {
  const action: EngineAction = { type: 'log', level, msg, fields };
  ctx.out.push(action);
}

export function report(ctx: Ctx, outcome: Outcome): void {
  ctx.out.push({ type: 'report', outcome });
}
