#!/usr/bin/env node
// Entry point of `npm run gen` (node dist/gen/main.js): the work is in cli.ts.
import { runGen } from './cli.js';

process.exitCode = await runGen(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
