import {
  type ClientConfig,
  checkMutableWriteRule,
  type DriverCapabilities,
  isStorageError,
  openConfigSection,
} from '@blockstack-storage/core';
import { createCliDriverLoader, installedDrivers } from '../cli-driver-loader.js';
import type { Command } from '../command.js';
import { ExitCode, exitCodeOf } from '../exit-codes.js';
import { loadConfig } from '../load-config.js';
import { explainUnknownDriver } from '../open-client.js';
import { isSecretKey } from '../redactor.js';
import { plainMessage } from '../report-error.js';

interface DriverRow {
  /** The config section (the name in storage_drivers), or the driver's name for an unconfigured one. */
  name: string;
  /** The driver it is built with: the section's `driver` key, else its name. */
  driver: string;
  configured: boolean;
  installed: boolean;
  required: boolean;
  local: boolean;
  capabilities?: DriverCapabilities;
  /** The driver's config section, secret values replaced by "***". */
  settings?: Record<string, string>;
  error?: { code: string; message: string; hint?: string };
}

export const driversCommand: Command = {
  name: 'drivers',
  summary: 'installed drivers, their capabilities, the three config lists, and the required/local rule',
  usage: 'drivers',
  description:
    'Shows every installed driver package and every configured driver (a section that names its driver, as [s3-eu] with driver = s3, is shown with it) with its declared capabilities (mutable and immutable paths, visibility, public URLs, listing, conditional writes, size limit), the three lists of [blockstack-client] (storage_drivers, storage_drivers_required_write, storage_drivers_local), and whether the rule for mutable puts holds: at least one required-write driver must not be local. Secret settings are shown as ***. Does no I/O on the drivers; "doctor" does. Exits 3 when a configured driver cannot be built or the rule does not hold.',
  options: {},
  positionals: { min: 0, max: 0 },
  examples: [
    'blockstack-storage drivers',
    'blockstack-storage drivers --json | jq ".rule"',
    'blockstack-storage --config ./team.ini drivers',
  ],
  async run(context) {
    const { out } = context;
    const config = await loadConfig(context);
    const loader = createCliDriverLoader();
    const installed = installedDrivers();
    const rows: DriverRow[] = [];
    const declaredLocal: string[] = [];
    let firstError: unknown;
    for (const name of config.storageDrivers) {
      const driverName = config.instanceDrivers[name] ?? name;
      const row: DriverRow = {
        name,
        driver: driverName,
        configured: true,
        installed: installed.includes(driverName),
        required: config.requiredWrite.includes(name),
        local: config.local.includes(name),
        settings: shownSettings(config, name),
      };
      try {
        // Through the core's section opener, so a meta driver (erasure) can open the sections it wraps.
        const driver = await openConfigSection(config, loader, name, { env: context.env });
        row.capabilities = driver.capabilities;
        row.installed = true;
        if (driver.capabilities.visibility === 'local') {
          declaredLocal.push(name);
          row.local = true;
        }
        await driver.close?.();
      } catch (caught) {
        const error = explainUnknownDriver(caught, config);
        firstError ??= error;
        row.error = isStorageError(error)
          ? { code: error.code, message: plainMessage(error), ...(error.hint ? { hint: error.hint } : {}) }
          : { code: 'INTERNAL', message: String(error) };
      }
      rows.push(row);
    }
    const configuredDrivers = new Set(rows.map((row) => row.driver));
    for (const name of installed) {
      if (configuredDrivers.has(name)) continue;
      const row: DriverRow = {
        name,
        driver: name,
        configured: false,
        installed: true,
        required: false,
        local: false,
      };
      try {
        // Built from an empty section just to read its declared capabilities (no I/O happens).
        const driver = await loader.create(name, {}, { env: context.env });
        row.capabilities = driver.capabilities;
        await driver.close?.();
      } catch {
        // It needs settings before it can even be built; "installed, not configured" says enough.
      }
      rows.push(row);
    }
    const rule = ruleStatus(config, declaredLocal);
    out.json({
      config: config.path,
      storage_drivers: config.storageDrivers,
      storage_drivers_required_write: config.requiredWrite,
      storage_drivers_local: config.local,
      rule,
      drivers: rows,
    });
    out.line(`config                          ${config.path}`);
    out.line(`storage_drivers                 ${list(config.storageDrivers)}`);
    out.line(`storage_drivers_required_write  ${list(config.requiredWrite)}`);
    out.line(`storage_drivers_local           ${list(config.local)}`);
    out.line(`mutable puts                    ${rule.holds ? 'allowed' : 'REFUSED'}: ${rule.reason}`);
    out.line();
    for (const row of rows) {
      const role = row.configured
        ? [row.required ? 'required' : 'optional', row.local ? 'local' : 'visible to others'].join(', ')
        : 'installed, not configured';
      const kind = row.driver === row.name ? '' : `driver ${row.driver}; `;
      out.line(`${row.name}  (${kind}${role})`);
      if (row.capabilities) out.line(`  ${describeCapabilities(row.capabilities)}`);
      if (row.settings && Object.keys(row.settings).length > 0) {
        out.line(
          `  ${Object.entries(row.settings)
            .map(([k, v]) => `${k} = ${v}`)
            .join('; ')}`,
        );
      }
      if (row.error) out.line(`  cannot be built: ${row.error.message}`);
      if (row.error?.hint) out.line(`  hint: ${row.error.hint}`);
    }
    if (firstError !== undefined) return exitCodeOf(firstError);
    return rule.holds ? ExitCode.Ok : ExitCode.Configuration;
  },
};

function ruleStatus(
  config: ClientConfig,
  declaredLocal: readonly string[],
): { holds: boolean; reason: string } {
  try {
    checkMutableWriteRule({
      requiredWrite: config.requiredWrite,
      local: config.local,
      declaredLocal,
      where: `${config.path}`,
    });
  } catch (error) {
    return { holds: false, reason: isStorageError(error) ? (error.hint ?? error.message) : String(error) };
  }
  const local = new Set([...config.local, ...declaredLocal]);
  const visible = config.requiredWrite.filter((name) => !local.has(name));
  return {
    holds: true,
    reason: `required-write ${list(visible)} ${visible.length === 1 ? 'is' : 'are'} visible to others`,
  };
}

function describeCapabilities(c: DriverCapabilities): string {
  const paths = [c.mutable ? 'mutable' : '', c.immutable ? 'immutable' : ''].filter(Boolean).join('+');
  return [
    `paths: ${paths || 'none'}`,
    `visibility: ${c.visibility}`,
    `public URLs: ${c.publicUrls ? 'yes' : 'no'}`,
    `list: ${c.list ? 'yes' : 'no'}`,
    `conditional writes: ${c.conditionalWrites ? 'yes' : 'no'}`,
    `max: ${c.maxObjectBytes === undefined ? 'no limit' : `${c.maxObjectBytes} bytes`}`,
    `read-your-writes: ${c.readYourWrites}`,
  ].join(', ');
}

function shownSettings(config: ClientConfig, name: string): Record<string, string> {
  const shown: Record<string, string> = {};
  for (const [key, value] of Object.entries(config.driverSections[name] ?? {})) {
    shown[key] = isSecretKey(key) ? '***' : value;
  }
  return shown;
}

function list(names: readonly string[]): string {
  return names.length === 0 ? '(none)' : names.join(', ');
}
