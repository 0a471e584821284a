import { runConformanceSuite } from '@blockstack-storage/conformance';
import { withDriverPolicy } from '@blockstack-storage/core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createS3Driver } from '../src/index.js';
import { describeWithS3, rawClient, removeBucket, testBucketName, testOptions } from './s3-server.js';

const api = { describe, it, beforeAll, afterAll };

describeWithS3('S3 driver on radosgw', () => {
  // Defaults (8 MiB multipart threshold): the suite's 64 MiB streamed value goes up in 8 parts.
  const bucket = testBucketName('conformance');
  runConformanceSuite(api, {
    create: () => createS3Driver(testOptions(bucket)),
    cleanup: () => removeBucket(rawClient(), bucket),
  });

  // Every option that changes the byte path at once: a prefix, zlib compression, masked
  // read-your-writes, the smallest parts. 16 MiB keeps the second large-value run short.
  describe('with prefix, compress, masked read-your-writes and 5 MiB parts', () => {
    const other = testBucketName('conformance-opts');
    runConformanceSuite(api, {
      create: () =>
        createS3Driver(
          testOptions(other, {
            prefix: 'apps/blockstack',
            compress: true,
            readYourWrites: 'masked',
            multipartThreshold: 5 * 1024 * 1024,
          }),
        ),
      cleanup: () => removeBucket(rawClient(), other),
      largeValueBytes: 16 * 1024 * 1024,
    });
  });

  // As users reach it: through the policy layer (timeouts, retries).
  describe('through withDriverPolicy', () => {
    const wrapped = testBucketName('conformance-policy');
    runConformanceSuite(api, {
      create: () => withDriverPolicy(createS3Driver(testOptions(wrapped))),
      cleanup: () => removeBucket(rawClient(), wrapped),
      largeValueBytes: 8 * 1024 * 1024,
    });
  });
});
