import { expect } from 'chai';
import { isOrchestratorWorker, readWorkerInfo } from '../../src/worker/worker-info.ts';

describe('readWorkerInfo', () => {
  const full = { ORCHESTRATOR_GROUP: 'web', ORCHESTRATOR_WORKER_INDEX: '3', ORCHESTRATOR_WORKER_ID: '17' };

  it('reads group, slot index and worker id from the environment the primary sets', () => {
    expect(readWorkerInfo(full)).to.deep.equal({ group: 'web', index: 3, id: 17 });
  });

  it('is null when any of the three is missing or malformed', () => {
    expect(readWorkerInfo({})).to.equal(null);
    expect(readWorkerInfo({ ...full, ORCHESTRATOR_GROUP: undefined })).to.equal(null);
    expect(readWorkerInfo({ ...full, ORCHESTRATOR_GROUP: '' })).to.equal(null);
    expect(readWorkerInfo({ ...full, ORCHESTRATOR_WORKER_INDEX: undefined })).to.equal(null);
    expect(readWorkerInfo({ ...full, ORCHESTRATOR_WORKER_INDEX: '-1' })).to.equal(null);
    expect(readWorkerInfo({ ...full, ORCHESTRATOR_WORKER_ID: '1.5' })).to.equal(null);
    expect(readWorkerInfo({ ...full, ORCHESTRATOR_WORKER_ID: '99999999999999999999' })).to.equal(null);
  });
});

describe('isOrchestratorWorker', () => {
  it('is false in a process that is not a cluster worker, even with the variables set', () => {
    expect(isOrchestratorWorker({ ORCHESTRATOR_WORKER_ID: '1' })).to.equal(false);
  });
});
