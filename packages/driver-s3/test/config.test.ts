import { inspect } from 'node:util';
import { ErrorCode, isStorageError } from '@blockstack-storage/core/driver';
import { describe, expect, it } from 'vitest';
import s3DriverModule, { createS3Driver, parseS3Config } from '../src/index.js';

const SECRET = 'config-secret-4e1d-never-printed';

function configError(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    expect(isStorageError(error, ErrorCode.Configuration)).toBe(true);
    return error as Error;
  }
  throw new Error('expected a ConfigurationError');
}

describe('[s3] config section', () => {
  it('parses every key', () => {
    const options = parseS3Config({
      bucket: 'my-bucket',
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:7480',
      force_path_style: 'true',
      prefix: 'blockstack',
      api_key_id: 'AKID',
      api_key_secret: SECRET,
      compress: 'yes',
      create_bucket: '1',
      public: 'false',
      multipart_threshold: '16MiB',
      upload_concurrency: '2',
      read_your_writes: 'masked',
      max_attempts: '5',
    });
    expect(options).toMatchObject({
      bucket: 'my-bucket',
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:7480',
      forcePathStyle: true,
      prefix: 'blockstack',
      credentials: { accessKeyId: 'AKID', secretAccessKey: SECRET },
      compress: true,
      createBucket: true,
      public: false,
      multipartThreshold: 16 * 1024 * 1024,
      uploadConcurrency: 2,
      readYourWrites: 'masked',
      maxAttempts: 5,
    });
  });

  it('has the documented defaults, and leaves credentials to the AWS chain when absent', () => {
    const options = parseS3Config({ bucket: 'my-bucket' }, { env: {} });
    expect(options).toMatchObject({
      region: 'us-east-1',
      forcePathStyle: false,
      compress: false,
      createBucket: false,
      public: true,
      multipartThreshold: 8 * 1024 * 1024,
      uploadConcurrency: 4,
      readYourWrites: 'provider',
    });
    expect(options.credentials).toBeUndefined();
    expect(options.endpoint).toBeUndefined();
  });

  it('reads the keys from the environment when the section has none', () => {
    const options = parseS3Config(
      { bucket: 'my-bucket' },
      { env: { BLOCKSTACK_S3_API_KEY_ID: 'AKID', BLOCKSTACK_S3_API_KEY_SECRET: SECRET } },
    );
    expect(options.credentials).toEqual({ accessKeyId: 'AKID', secretAccessKey: SECRET });
  });

  it('refuses bad values with errors that name the key and never show the secret', () => {
    const base = { bucket: 'my-bucket', api_key_id: 'AKID', api_key_secret: SECRET };
    const bad: Array<[Record<string, string>, RegExp]> = [
      [{ ...base, bucket: '' }, /bucket is required/],
      [{ ...base, bucket: 'Bad_Bucket' }, /not a valid S3 bucket name/],
      [{ ...base, endpoint: '127.0.0.1:7480' }, /endpoint must be/],
      [{ ...base, public_url: 'nope' }, /public_url/],
      [{ ...base, force_path_style: 'maybe' }, /force_path_style must be true or false/],
      [{ ...base, multipart_threshold: '1MiB' }, /multipart_threshold must be at least/],
      [{ ...base, multipart_threshold: 'lots' }, /multipart_threshold must be a size/],
      [{ ...base, upload_concurrency: '0' }, /upload_concurrency/],
      [{ ...base, read_your_writes: 'eventually' }, /read_your_writes/],
      [{ bucket: 'my-bucket', api_key_secret: SECRET }, /api_key_secret is set but api_key_id is not/],
    ];
    for (const [section, message] of bad) {
      const error = configError(() => parseS3Config(section, { env: {}, configPath: '/home/u/client.ini' }));
      expect(error.message).toMatch(message);
      expect(error.message).toContain('[s3] in /home/u/client.ini');
      expect(`${error.stack}${inspect(error, { depth: 8 })}`).not.toContain(SECRET);
    }
  });

  it('is loaded by name through its DriverModule', async () => {
    expect(s3DriverModule.name).toBe('s3');
    const driver = await s3DriverModule.create(
      { bucket: 'my-bucket', endpoint: 'http://127.0.0.1:7480' },
      {},
    );
    expect(driver.name).toBe('s3');
    expect(driver.capabilities).toMatchObject({
      mutable: true,
      immutable: true,
      list: true,
      conditionalWrites: true,
    });
  });
});

describe('public URLs', () => {
  it('path style follows the endpoint', () => {
    const driver = createS3Driver({
      bucket: 'my-bucket',
      endpoint: 'http://127.0.0.1:7480',
      forcePathStyle: true,
      prefix: 'apps/x',
    });
    expect(driver.mutableUrl!('Profile.json')).toBe(
      'http://127.0.0.1:7480/my-bucket/apps/x/mutable/~50rofile.json',
    );
  });

  it('virtual-host style puts the bucket in the host name', () => {
    const driver = createS3Driver({ bucket: 'my-bucket', endpoint: 'https://storage.example.com' });
    expect(driver.mutableUrl!('a/b')).toBe('https://my-bucket.storage.example.com/mutable/a~2fb');
  });

  it('AWS without an endpoint uses the regional virtual-host name', () => {
    const driver = createS3Driver({ bucket: 'my-bucket', region: 'eu-west-1' });
    expect(driver.mutableUrl!('x')).toBe('https://my-bucket.s3.eu-west-1.amazonaws.com/mutable/x');
  });

  it('public_url overrides the base (a CDN); prefixes are escaped per segment', () => {
    const driver = createS3Driver({
      bucket: 'my-bucket',
      publicUrl: 'https://cdn.example.com/',
      prefix: 'a b/ü',
    });
    expect(driver.mutableUrl!('x')).toBe('https://cdn.example.com/a%20b/%C3%BC/mutable/x');
  });

  it('a private bucket is declared local and gives no URLs', () => {
    const driver = createS3Driver({ bucket: 'my-bucket', public: false });
    expect(driver.capabilities.visibility).toBe('local');
    expect(driver.capabilities.publicUrls).toBe(false);
    expect(driver.mutableUrl!('x')).toBeUndefined();
  });
});
