// Lets child processes in tests run core's TypeScript sources directly (Node 20 cannot strip types):
// `node --import ./test/support/ts-loader.mjs worker.ts`. Transpiles with the project's own TypeScript.
import { register } from 'node:module';

register('./ts-loader-hooks.mjs', import.meta.url);
