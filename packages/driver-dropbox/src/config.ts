import {
  ConfigurationError,
  type DriverFactoryContext,
  type StorageDriver,
} from '@blockstack-storage/core/driver';
import { createDropboxDriver, DROPBOX_DRIVER_NAME, type DropboxDriverOptions } from './dropbox-driver.js';

/** Environment variables read when the matching `[dropbox]` key is absent (keeps secrets out of config files). */
export const DROPBOX_ENV = {
  token: 'DROPBOX_TOKEN',
  app_key: 'DROPBOX_APP_KEY',
  app_secret: 'DROPBOX_APP_SECRET',
  refresh_token: 'DROPBOX_REFRESH_TOKEN',
} as const;

/**
 * `DriverModule.create`: builds the driver from the `[dropbox]` config section.
 * Keys: `token`, or `app_key` + `app_secret` + `refresh_token`; `root`; `compress`; `shared_links`;
 * `upload_session_threshold`. Each credential may instead come from its environment variable
 * (`DROPBOX_ENV`), or from a named one with `env:NAME`. @throws ConfigurationError.
 */
export function createDropboxDriverFromConfig(
  config: Readonly<Record<string, string>>,
  context: DriverFactoryContext = {},
): StorageDriver {
  const env = context.env ?? process.env;
  const where = context.configPath ? ` in ${context.configPath}` : '';
  const secret = (key: keyof typeof DROPBOX_ENV): string | undefined => {
    const value = config[key];
    if (value?.startsWith('env:')) {
      const name = value.slice(4);
      const fromEnv = env[name];
      if (!fromEnv) {
        throw new ConfigurationError(
          `[dropbox] ${key}${where} names environment variable ${name}, which is not set`,
          {
            driver: DROPBOX_DRIVER_NAME,
          },
        );
      }
      return fromEnv;
    }
    return value || env[DROPBOX_ENV[key]] || undefined;
  };
  const flag = (key: string, fallback: boolean): boolean => {
    const value = config[key]?.trim().toLowerCase();
    if (value === undefined || value === '') return fallback;
    if (['true', 'yes', 'on', '1'].includes(value)) return true;
    if (['false', 'no', 'off', '0'].includes(value)) return false;
    throw new ConfigurationError(
      `[dropbox] ${key}${where} must be true or false, not ${JSON.stringify(config[key])}`,
      {
        driver: DROPBOX_DRIVER_NAME,
      },
    );
  };
  const threshold = config.upload_session_threshold;
  const options: DropboxDriverOptions = {
    accessToken: secret('token'),
    appKey: secret('app_key'),
    appSecret: secret('app_secret'),
    refreshToken: secret('refresh_token'),
    root: config.root,
    compress: flag('compress', false),
    sharedLinks: flag('shared_links', true),
  };
  if (threshold !== undefined) {
    const bytes = Number(threshold);
    if (!Number.isSafeInteger(bytes) || bytes < 1) {
      throw new ConfigurationError(
        `[dropbox] upload_session_threshold${where} must be a whole number of bytes`,
        {
          driver: DROPBOX_DRIVER_NAME,
        },
      );
    }
    options.sessionThresholdBytes = bytes;
  }
  return createDropboxDriver(options);
}
