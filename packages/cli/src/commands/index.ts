import type { Command } from '../command.js';
import { doctorCommand } from './doctor.js';
import { driversCommand } from './drivers.js';
import { getCommand } from './get.js';
import { hubCommand } from './hub.js';
import { import2017Command } from './import-2017.js';
import { initCommand } from './init.js';
import { lsCommand } from './ls.js';
import { migrateCommand } from './migrate.js';
import { putCommand } from './put.js';
import { rmCommand } from './rm.js';
import { serveCommand } from './serve.js';
import { statCommand } from './stat.js';
import { syncCommand } from './sync.js';
import { verifyCommand } from './verify.js';
import { zonefileCommand } from './zonefile.js';

/** Every command, in the order `--help` lists them. */
export const COMMANDS: readonly Command[] = [
  initCommand,
  putCommand,
  getCommand,
  rmCommand,
  lsCommand,
  statCommand,
  verifyCommand,
  syncCommand,
  migrateCommand,
  import2017Command,
  zonefileCommand,
  driversCommand,
  doctorCommand,
  serveCommand,
  hubCommand,
];
