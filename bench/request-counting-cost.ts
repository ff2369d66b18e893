/**
 * The counting's own cost per request, without HTTP around it: what Node's http server does for a request when
 * the two channels have a subscriber (builds the message, publishes it) plus our subscribers' work, in ns per
 * request. Divided by the worker CPU time per request (bench/request-stats.ts) it bounds the throughput cost,
 * and unlike a throughput run it hardly moves with the other load on the machine.
 *
 *   npx node bench/request-counting-cost.ts [--requests 2000000] [--rounds 7]
 */
import { channel } from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { countHttpRequests } from '../src/worker/http-stats.ts';
import { numberFlag } from './lib/args.ts';
import { runMain } from './lib/procs.ts';
import { fixed, median } from './lib/stats.ts';

export async function run(): Promise<string> {
  const requests = numberFlag('requests', 2_000_000);
  const rounds = numberFlag('rounds', 7);
  const start = channel('http.server.request.start');
  const finish = channel('http.server.response.finish');
  const measure = (): number => {
    const began = process.hrtime.bigint();
    for (let i = 0; i < requests; i++) {
      // What node:http allocates per request when a channel has subscribers: one message object each.
      const response = { statusCode: 200 } as ServerResponse;
      const request = {} as IncomingMessage;
      if (start.hasSubscribers) start.publish({ request, response, socket: null, server: null });
      if (finish.hasSubscribers) finish.publish({ request, response, socket: null, server: null });
    }
    return Number(process.hrtime.bigint() - began) / requests;
  };
  const without: number[] = [];
  for (let r = 0; r < rounds; r++) without.push(measure());
  const stats = countHttpRequests();
  const counted: number[] = [];
  for (let r = 0; r < rounds; r++) counted.push(measure());
  const extra = median(counted) - median(without);
  if (stats().started === 0) throw new Error('the subscribers saw nothing');
  return [
    `## Request counting, alone (${requests} simulated requests, median of ${rounds} rounds)`,
    '',
    `- not counting (no subscriber, what node:http skips): ${fixed(median(without), 1)} ns per request`,
    `- counting (two publishes with messages, our subscribers): ${fixed(median(counted), 1)} ns per request`,
    `- added per request: ${fixed(extra, 1)} ns`,
  ].join('\n');
}

if (import.meta.main) await runMain(async () => void process.stdout.write(`${await run()}\n`));
