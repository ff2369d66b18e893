#!/usr/bin/env node
// The bin's entry. It must run on any Node far enough to say which Node is needed, so it holds no syntax or
// import that an old Node cannot parse, and loads the CLI only once the version is known to be enough.
import module from 'node:module';
import { nodeVersionProblem } from './node-version.ts';

const problem = nodeVersionProblem(process.versions.node, process.execPath);
if (problem === null) {
  // V8's compiled code of the CLI, the primary and their packages, cached on disk (in the system's temp
  // folder, keyed by Node version and file content): a cold start compiles far less (docs/benchmarks.md).
  // Where the folder cannot be written, Node carries on without it.
  module.enableCompileCache?.();
  await import('./run.ts');
} else {
  process.stderr.write(`${problem}\n`);
  process.exitCode = 1;
}
