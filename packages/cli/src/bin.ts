#!/usr/bin/env node
import { main } from './main.js';

// Ctrl-C aborts the running operation (drivers leave the old value whole); a second one kills.
const controller = new AbortController();
const interrupt = () => {
  if (controller.signal.aborted) process.exit(130);
  controller.abort(new Error('interrupted'));
};
process.on('SIGINT', interrupt);
process.on('SIGTERM', interrupt);

// A reader that goes away early (`get big | head -c 10`) is not an error of ours: stop quietly,
// as tools killed by SIGPIPE do, instead of waiting for a drain that never comes.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const code = await main(process.argv.slice(2), { signal: controller.signal });
// Exit once stdout and stderr have drained (a pipe may still hold data), without waiting for idle
// keep-alive sockets of SDKs to time out.
process.exitCode = code;
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
