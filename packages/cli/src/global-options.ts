import type { OptionSpec } from './command.js';

/** Flags every command accepts, before or after the command name. */
export const GLOBAL_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  config: {
    type: 'string',
    valueName: 'PATH',
    description: 'client config file (default $BLOCKSTACK_CLIENT_CONFIG, else ~/.blockstack/client.ini)',
  },
  json: { type: 'boolean', description: 'machine-readable output: one JSON document on stdout' },
  quiet: { type: 'boolean', short: 'q', description: 'print only data and errors' },
  verbose: { type: 'boolean', short: 'v', description: 'print details, and the cause chain of errors' },
  help: { type: 'boolean', short: 'h', description: 'show help for the command' },
};
