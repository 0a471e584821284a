import {
  createKeyValueDriver,
  type DriverFactoryContext,
  type StorageDriver,
} from '@blockstack-storage/core/driver';
import { parseS3Config } from './config.js';
import type { S3DriverOptions } from './options.js';
import { S3Backend } from './s3-backend.js';

/**
 * A driver that stores every value as one S3 object: `<prefix>mutable/<encoded id>` and
 * `<prefix>immutable/<sha256>` in one bucket, on AWS S3 or any S3-compatible service.
 *
 * - Values up to `multipartThreshold` go up in one PutObject; larger ones stream as a multipart upload
 *   with bounded memory, aborted (AbortMultipartUpload) on any failure or abort.
 * - Conditional writes (`ifMatch` / `ifNoneMatch: '*'`) use the server's If-Match / If-None-Match.
 * - Errors are the core's typed errors naming the bucket, never a secret.
 */
export function createS3Driver(options: S3DriverOptions): StorageDriver {
  return createKeyValueDriver(new S3Backend(options));
}

/** `DriverModule.create`: builds the driver from the `[s3]` config section. */
export function createS3DriverFromConfig(
  config: Readonly<Record<string, string>>,
  context: DriverFactoryContext = {},
): StorageDriver {
  return createS3Driver(parseS3Config(config, context));
}
