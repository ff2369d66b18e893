import type { WorkerId } from '../policies/types.ts';
import type { DiagnosticKind, PrimaryMessage, WorkerMessage } from '../worker/protocol.ts';

export type DiagnosticResult =
  | { readonly ok: true; readonly bytes: number }
  | { readonly ok: false; readonly error: string };

export interface DiagnosticsSource {
  onWorkerMessage(listener: (worker: WorkerId, message: WorkerMessage) => void): () => void;
  sendToWorker(worker: WorkerId, message: PrimaryMessage): void;
}

export interface DiagnoseRequest {
  readonly worker: WorkerId;
  readonly kind: DiagnosticKind;
  readonly file: string;
  readonly seconds: number;
  /** Whether the worker process is still there (checked while waiting). */
  readonly alive: () => boolean;
}

/** How long beyond the profile itself the primary waits for the file to be written. */
const WRITE_BOUND_MS: Readonly<Record<DiagnosticKind, number>> = {
  heap: 300_000,
  profile: 60_000,
  report: 60_000,
};
const ALIVE_CHECK_MS = 200;

/**
 * The primary's side of `orchestrator debug`: one request over the worker's IPC channel (through the helper
 * host for `os` groups), answered by the worker runtime once it has written the file. Ends early, with a
 * clear error, when the worker exits meanwhile or never answers.
 */
export function createDiagnostics(
  source: DiagnosticsSource,
): (request: DiagnoseRequest) => Promise<DiagnosticResult> {
  let nextRequest = 1;
  return (request) => {
    const id = nextRequest++;
    const boundMs = WRITE_BOUND_MS[request.kind] + (request.kind === 'profile' ? request.seconds * 1000 : 0);
    return new Promise((resolve) => {
      const finish = (result: DiagnosticResult): void => {
        stopListening();
        clearInterval(aliveCheck);
        clearTimeout(bound);
        resolve(result);
      };
      const stopListening = source.onWorkerMessage((worker, message) => {
        if (worker !== request.worker || message.orchestrator !== 'diagnosed' || message.request !== id)
          return;
        finish(
          message.ok
            ? { ok: true, bytes: message.bytes ?? 0 }
            : { ok: false, error: message.error ?? 'the worker could not write the file' },
        );
      });
      const aliveCheck = setInterval(() => {
        if (!request.alive()) finish({ ok: false, error: 'the worker exited before the file was written' });
      }, ALIVE_CHECK_MS);
      const bound = setTimeout(
        () =>
          finish({ ok: false, error: `no answer from the worker within ${Math.round(boundMs / 1000)} s` }),
        boundMs,
      );
      source.sendToWorker(request.worker, {
        orchestrator: 'diagnose',
        request: id,
        kind: request.kind,
        file: request.file,
        seconds: request.seconds,
      });
    });
  };
}
