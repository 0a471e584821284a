import {
  ConfigurationError,
  type DriverFactoryContext,
  type StorageDriver,
} from '@blockstack-storage/core/driver';
import { createGaiaDriver } from './gaia-driver.js';
import { DEFAULT_KEY_ENV, GAIA_DRIVER_NAME } from './options.js';

/** Every key of the `[gaia]` section. */
export const GAIA_CONFIG_KEYS = [
  'hub_url',
  'key_env',
  'prefix',
  'read_url',
  'max_object_bytes',
  'masked_read_attempts',
  'token_lifetime_seconds',
] as const;

/**
 * `DriverModule.create`: builds the driver from the `[gaia]` config section. `hub_url` is required;
 * the app private key is read from the environment variable `key_env` names (default
 * `GAIA_APP_PRIVATE_KEY`), never from the config file. @throws ConfigurationError.
 */
export function createGaiaDriverFromConfig(
  config: Readonly<Record<string, string>>,
  context: DriverFactoryContext = {},
): StorageDriver {
  const env = context.env ?? process.env;
  const section = context.instance ?? GAIA_DRIVER_NAME;
  const where = context.configPath ? ` in ${context.configPath}` : '';
  const fail = (message: string, hint?: string) =>
    new ConfigurationError(`[${section}] ${message}${where}`, { driver: section, hint });

  const hubUrl = config.hub_url?.trim();
  if (!hubUrl)
    throw fail('hub_url is required', 'Set it to the hub apps connect to, e.g. https://hub.blockstack.org.');
  if (!URL.canParse(hubUrl) || !/^https?:$/.test(new URL(hubUrl).protocol)) {
    throw fail(`hub_url ${JSON.stringify(hubUrl)} is not an http(s) URL`);
  }
  const readUrl = config.read_url?.trim() || undefined;
  if (readUrl !== undefined && !URL.canParse(readUrl)) {
    throw fail(`read_url ${JSON.stringify(readUrl)} is not a URL`);
  }
  const keyEnv = config.key_env?.trim() || DEFAULT_KEY_ENV;
  const privateKey = env[keyEnv];
  if (!privateKey) {
    throw fail(
      `needs the app private key in environment variable ${keyEnv}, which is not set`,
      'Export it (64 hex digits) before starting, or name another variable with key_env.',
    );
  }
  return createGaiaDriver({
    hubUrl,
    privateKey,
    keySource: `environment variable ${keyEnv}`,
    prefix: parsePrefix(config.prefix, fail),
    readUrlPrefix: readUrl === undefined ? undefined : readUrl.endsWith('/') ? readUrl : `${readUrl}/`,
    maxObjectBytes: positiveInteger(config, 'max_object_bytes', fail),
    maskedReadAttempts: positiveInteger(config, 'masked_read_attempts', fail),
    tokenLifetimeSeconds: positiveInteger(config, 'token_lifetime_seconds', fail),
  });
}

type Fail = (message: string, hint?: string) => ConfigurationError;

/** A folder inside the bucket: segments of `[A-Za-z0-9_.~-]`, none `.` or `..`; normalised to end in `/`. */
export function parsePrefix(value: string | undefined, fail: Fail): string | undefined {
  const trimmed = value?.trim().replace(/^\/+|\/+$/g, '');
  if (!trimmed) return undefined;
  const segments = trimmed.split('/');
  if (
    segments.some((segment) => !/^[A-Za-z0-9_.~-]+$/.test(segment) || segment === '.' || segment === '..')
  ) {
    throw fail(
      `prefix ${JSON.stringify(value)} is not a folder name`,
      'Use letters, digits, "_", ".", "~" and "-", with "/" between folders.',
    );
  }
  return `${trimmed}/`;
}

function positiveInteger(
  config: Readonly<Record<string, string>>,
  key: (typeof GAIA_CONFIG_KEYS)[number],
  fail: Fail,
): number | undefined {
  const text = config[key]?.trim();
  if (!text) return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw fail(`${key} must be a positive whole number, not ${JSON.stringify(config[key])}`);
  }
  return value;
}
