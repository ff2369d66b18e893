#!/usr/bin/env node
// The bin's entry. It must run on any Node far enough to say which Node is needed, so it holds no syntax or
// import that an old Node cannot parse, and loads the CLI only once the version is known to be enough.
import { nodeVersionProblem } from './node-version.ts';

const problem = nodeVersionProblem(process.versions.node, process.execPath);
if (problem === null) {
  await import('./run.ts');
} else {
  process.stderr.write(`${problem}\n`);
  process.exitCode = 1;
}
