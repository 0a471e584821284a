import { patternBytes } from '@blockstack-storage/conformance';
import { ErrorCode, isStorageError } from '@blockstack-storage/core/driver';
import { afterAll, expect, it } from 'vitest';
import { createS3Driver } from '../src/index.js';
import { describeWithS3, rawClient, removeBucket, testBucketName, testOptions } from './s3-server.js';

describeWithS3('abort while reading', () => {
  const bucket = testBucketName('abort-read');
  afterAll(() => removeBucket(rawClient(), bucket));

  for (const compress of [false, true]) {
    it(`an abort after get resolved stops the body with AbortedError naming the driver${compress ? ' (compressed)' : ''}`, async () => {
      const driver = createS3Driver(testOptions(bucket, { compress }));
      await driver.putMutable('large', patternBytes(24 * 1024 * 1024, 1));
      const controller = new AbortController();
      const object = await driver.getMutable('large', { signal: controller.signal });
      let read = 0;
      let caught: unknown;
      try {
        for await (const chunk of object!.body) {
          read += chunk.byteLength;
          if (read >= 1024 * 1024 && !controller.signal.aborted)
            controller.abort(new Error('reader gave up'));
        }
      } catch (error) {
        caught = error;
      }
      expect(isStorageError(caught, ErrorCode.Aborted)).toBe(true);
      expect((caught as { driver?: string }).driver).toBe('s3');
      expect(read).toBeLessThan(24 * 1024 * 1024);
      await driver.close?.();
    });
  }
});
