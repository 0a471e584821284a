import type { S3Client } from '@aws-sdk/client-s3';
import { rawClient } from './s3-server.js';

/** One SDK command as it went through the client. */
export interface RecordedCommand {
  name: string;
  input: Record<string, unknown>;
  output?: Record<string, unknown>;
  error?: unknown;
}

/**
 * A real client on the test server with a middleware that records every command and lets a test
 * inject faults or rewrite inputs (the fault-injection layer; the server behind it is real).
 */
export function recordingClient(
  hooks: {
    /** Called before a command is sent; may rewrite `input` or throw to fail it. */
    before?: (name: string, input: Record<string, unknown>) => void;
    /** Called after a command succeeded. */
    after?: (name: string, input: Record<string, unknown>, output: Record<string, unknown>) => void;
  } = {},
): { client: S3Client; commands: RecordedCommand[]; names: () => string[] } {
  const client = rawClient();
  const commands: RecordedCommand[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName ?? '').replace(/Command$/, '');
      const input = args.input as Record<string, unknown>;
      const record: RecordedCommand = { name, input: { ...input } };
      commands.push(record);
      try {
        hooks.before?.(name, input);
        const result = await next(args);
        record.output = result.output as unknown as Record<string, unknown>;
        hooks.after?.(name, input, record.output);
        return result;
      } catch (error) {
        record.error = error;
        throw error;
      }
    },
    { step: 'initialize', name: 'bssRecorder' },
  );
  return { client, commands, names: () => commands.map((c) => c.name) };
}
