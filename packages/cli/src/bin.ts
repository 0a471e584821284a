#!/usr/bin/env node
import { constants } from 'node:os';
import { main } from './main.js';

/** How long an interrupted operation gets to stop cleanly (drivers remove their temp files). */
const STOP_GRACE_MS = 2_000;

// Ctrl-C or SIGTERM aborts the running operation (drivers leave the old value whole) and the process
// ends with 128 + the signal number (130, 143), as shells expect; a second signal ends it at once,
// and so does the grace period running out (a read blocked on a FIFO never sees the abort).
const controller = new AbortController();
let received: NodeJS.Signals | undefined;
const onSignal = (signal: NodeJS.Signals) => {
  if (received !== undefined) endBySignal(signal);
  received = signal;
  controller.abort(new Error(`interrupted by ${signal}`));
  setTimeout(() => endBySignal(signal), STOP_GRACE_MS).unref();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

/**
 * Ends the process after `signal`. `process.exit` waits for libuv's file-system threads, so while one
 * is stuck (an open or read of a FIFO with no writer) it would never return: then the signal is raised
 * again with its default action, which ends the process the same way for the shell (status 128 + n).
 */
function endBySignal(signal: NodeJS.Signals): never {
  const code = 128 + constants.signals[signal];
  if (process.getActiveResourcesInfo().some((resource) => resource.startsWith('FSReq'))) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  }
  process.exit(code);
}

// A reader that goes away early (`get big | head -c 10`) is not an error of ours: stop quietly,
// as tools killed by SIGPIPE do, instead of waiting for a drain that never comes.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const result = await main(process.argv.slice(2), { signal: controller.signal });
// After a signal, the exit status says which one stopped us, whatever the command made of the abort.
const code = received === undefined ? result : 128 + constants.signals[received];
// Exit once stdout and stderr have drained (a pipe may still hold data), without waiting for idle
// keep-alive sockets of SDKs to time out.
process.exitCode = code;
process.stdout.write('', () =>
  process.stderr.write('', () => (received === undefined ? process.exit(code) : endBySignal(received))),
);
