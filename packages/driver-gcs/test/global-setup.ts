import type { TestProject } from 'vitest/node';
import { startGcsEmulator } from './emulator/launch.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `http://127.0.0.1:PORT` of the emulator, or `''` when it could not start (outside CI only). */
    gcsEmulatorEndpoint: string;
    /** Why the emulator is missing, when it is. */
    gcsEmulatorProblem: string;
  }
}

/**
 * Starts one Cloud Storage emulator for the whole test run. If it cannot start, CI fails here;
 * elsewhere the emulator tests skip with a loud line (see emulator.ts).
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  try {
    const emulator = await startGcsEmulator();
    project.provide('gcsEmulatorEndpoint', emulator.endpoint);
    project.provide('gcsEmulatorProblem', '');
    return emulator.stop;
  } catch (error) {
    const problem = error instanceof Error ? error.message : String(error);
    if (process.env.CI === 'true') throw error;
    console.warn(
      `\n!!!!! driver-gcs: ${problem}\n!!!!! The emulator tests are SKIPPED (they fail under CI=true).\n`,
    );
    project.provide('gcsEmulatorEndpoint', '');
    project.provide('gcsEmulatorProblem', problem);
    return undefined;
  }
}
