/** Starts the Cloud Storage emulator in a child process; `endpoint` is its `http://127.0.0.1:PORT`. */
export function startGcsEmulator(options?: { timeoutMs?: number }): Promise<{
  endpoint: string;
  stop: () => Promise<void>;
}>;
