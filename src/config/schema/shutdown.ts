import * as z from 'zod';
import { DEFAULT_SPREAD_MS } from '../../worker/protocol.ts';
import { nonNegativeInt, positiveInt } from './numbers.ts';

const longLivedSchema = z
  .strictObject({
    spreadMs: nonNegativeInt()
      .default(DEFAULT_SPREAD_MS)
      .meta({
        description:
          'A draining worker closes its long-lived connections (WebSocket with close code 1001, server-sent ' +
          'event streams, HTTP/2 sessions with GOAWAY) one by one over this many ms, so their clients ' +
          'reconnect to the new workers gradually; 0 closes them all at once. Capped to leave room for the ' +
          'close handshakes inside `timeoutMs`.',
      }),
  })
  .default(() => ({ spreadMs: DEFAULT_SPREAD_MS }))
  .meta({
    description:
      'How a draining worker closes WebSocket, server-sent event and HTTP/2 connections. `spreadMs` ' +
      '(default 3000): they are closed one by one over this window, so clients reconnect gradually.',
  });

export const shutdownSchema = z
  .strictObject({
    timeoutMs: positiveInt()
      .default(10_000)
      .meta({ description: 'Drain deadline in ms: a worker still running after it is killed (SIGKILL).' }),
    longLived: longLivedSchema,
  })
  .default(() => ({ timeoutMs: 10_000, longLived: { spreadMs: DEFAULT_SPREAD_MS } }))
  .meta({ description: 'How a worker is stopped (reload, scale-down, shutdown).' });
