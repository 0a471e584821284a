import { readFile } from 'node:fs/promises';
import {
  CLIENT_SECTION,
  type ClientConfig,
  ConfigurationError,
  editStorageDrivers,
  parseClientConfig,
  parseIni,
  withStorageDrivers,
} from '@blockstack-storage/core';
import type { Command, CommandContext } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { loadConfig } from '../load-config.js';
import { openClient } from '../open-client.js';
import { UsageError } from '../usage-error.js';
import { datumJson, datumLine } from './replica-report.js';

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'move replicas: bring a driver in, and optionally take one out',
  usage: 'migrate --to <section> [--retire <section> [--delete-copies]] [--dry-run]',
  description:
    "Brings the driver configured in [<section>] in: copies the newest verified copy of every datum to it (bytes as stored, never over a newer copy), reads every copy back to verify it holds them all, and only then adds it to storage_drivers (the config file is rewritten atomically, everything else in it kept) and publishes its URLs with a NAME_UPDATE. With --retire, then removes the retired driver's URLs from your zone file with a second NAME_UPDATE and removes it from the config's driver lists; its copies are deleted only with --delete-copies. A retirement that would leave no non-local required-write driver is refused. Every step can be stopped and run again: rerun the same command to finish. --dry-run prints the plan and changes nothing. Exit code 13 when the new driver does not hold every datum yet (run again).",
  options: {
    to: { type: 'string', valueName: 'SECTION', description: 'the config section of the driver to bring in' },
    retire: { type: 'string', valueName: 'SECTION', description: 'a driver to take out after the move' },
    'delete-copies': { type: 'boolean', description: "with --retire: delete the retired driver's copies" },
    'dry-run': { type: 'boolean', short: 'n', description: 'print the plan; change nothing' },
  },
  positionals: { min: 0, max: 0 },
  examples: [
    'blockstack-storage migrate --to s3 --dry-run',
    'blockstack-storage migrate --to s3',
    'blockstack-storage migrate --to gcs --retire s3 --delete-copies',
  ],
  async run(context) {
    const { out, signal, options } = context;
    const to = options.to as string | undefined;
    const retire = options.retire as string | undefined;
    const deleteCopies = options['delete-copies'] === true;
    const dryRun = options['dry-run'] === true;
    if (to === undefined || to === '') throw new UsageError('migrate needs --to <section>', 'migrate');
    if (deleteCopies && retire === undefined) {
      throw new UsageError('--delete-copies deletes the copies of the driver given by --retire', 'migrate');
    }
    const config = await migrationConfig(context, to, retire);
    const path = config.path!;
    const { client } = await openClient(context, undefined, undefined, config);
    let report: Awaited<ReturnType<typeof client.migrate>>;
    try {
      report = await client.migrate({
        to,
        ...(retire === undefined ? {} : { retire }),
        deleteCopies,
        dryRun,
        signal,
        updateConfig: (change) => editStorageDrivers(path, change, context.env),
        onDatum: (repair) => {
          if (repair.repaired.length > 0 || repair.failed.length > 0) out.line(datumLine(repair));
          for (const failed of repair.failed)
            out.line(`     not copied to ${failed.driver}: ${failed.error.message}`);
        },
      });
    } finally {
      await client.close();
    }
    for (const step of report.steps) {
      out.line(
        `${step.status.padEnd(8)} ${step.step.padEnd(18)} ${step.detail}${step.txid ? ` (txid ${step.txid})` : ''}`,
      );
    }
    for (const datum of report.notCurrent) out.line(datumLine(datum));
    for (const failure of report.deleteFailures) {
      out.line(`     not deleted on ${retire}: ${failure.key}: ${failure.error.message}`);
    }
    out.json({
      to: report.to,
      ...(report.retire === undefined ? {} : { retire: report.retire }),
      dryRun,
      complete: report.complete,
      config: path,
      steps: report.steps,
      copied: report.data.filter((d) => d.repaired.length > 0).length,
      deleted: report.deleted,
      notCurrent: report.notCurrent.map(datumJson),
      data: report.data.map(datumJson),
    });
    if (!report.complete) out.line('the migration is not complete: run the same command again');
    return report.complete ? ExitCode.Ok : ExitCode.Unhealthy;
  },
};

/**
 * The config with `to` (and `retire`, when a run stopped after unlisting it) among the drivers, neither
 * added to the required-write list: what the migration opens. The file itself is not changed here.
 * @throws ConfigurationError when a section is missing.
 */
async function migrationConfig(
  context: CommandContext,
  to: string,
  retire: string | undefined,
): Promise<ClientConfig> {
  const listed = await loadConfig(context);
  const path = listed.path!;
  const text = await readFile(path, 'utf8');
  const sections = parseIni(text, { path });
  for (const name of [to, ...(retire === undefined ? [] : [retire])]) {
    if (name === CLIENT_SECTION || sections[name] === undefined) {
      throw new ConfigurationError(
        `${path} has no [${name}] section to migrate ${name === to ? 'to' : 'from'}`,
        {
          driver: name,
          hint: `Add a [${name}] section configuring the driver (driver = s3, bucket = ..., etc.), then run migrate again.`,
        },
      );
    }
  }
  let extended = withStorageDrivers(text, { add: to }, path);
  if (retire !== undefined) extended = withStorageDrivers(extended, { add: retire }, path);
  const config = parseClientConfig(extended, { path, env: context.env });
  context.out.redactor.addSections(config.driverSections);
  return config;
}
