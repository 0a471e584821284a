export type { Command, CommandContext, OptionSpec } from './command.js';
export { ExitCode, exitCodeOf } from './exit-codes.js';
export { main, type RunEnvironment } from './main.js';
