import type { FlowauditCommand } from '../command.js';
import daemon from './daemon.js';
import db from './db.js';
import explain from './explain.js';
import replay from './replay.js';
import report from './report.js';
import validate from './validate.js';

/** Every command module, in the order `--help` lists them (yargs commandDir() is unavailable under ESM). */
export const commands: readonly FlowauditCommand[] = [replay, report, explain, validate, daemon, db];
