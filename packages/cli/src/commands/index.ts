import type { Command } from '../command.js';
import { serveCommand } from './serve.js';

/** Every command, in the order `--help` lists them. */
export const COMMANDS: readonly Command[] = [serveCommand];
