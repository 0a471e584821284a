import type { S3Client } from '@aws-sdk/client-s3';

/** Static credentials (the 2017 `api_key_id` / `api_key_secret`). */
export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Options of `createS3Driver`. The `[s3]` config section maps onto these (see `parseS3Config`). */
export interface S3DriverOptions {
  /** Bucket that holds `<prefix>mutable/` and `<prefix>immutable/`. Required. */
  bucket: string;
  /** Region. Default `us-east-1` (what radosgw and MinIO accept unless configured otherwise). */
  region?: string;
  /** Endpoint of an S3-compatible service, e.g. `http://127.0.0.1:7480`. Default: AWS S3. */
  endpoint?: string;
  /** Address the bucket as `<endpoint>/<bucket>` instead of `<bucket>.<endpoint host>`. Default false. */
  forcePathStyle?: boolean;
  /** Key prefix inside the bucket, e.g. `blockstack/`. A trailing `/` is added if missing. Default none. */
  prefix?: string;
  /** Static credentials. When absent the AWS credential chain is used (env, profile, instance role). */
  credentials?: S3Credentials;
  /** Compress values with zlib on write (reads always accept both forms). Default false. */
  compress?: boolean;
  /** Create the bucket in `init` when it does not exist. Default false (a missing bucket is a config error). */
  createBucket?: boolean;
  /**
   * Whether other clients can read the bucket anonymously (a bucket policy the operator sets; the driver
   * never changes ACLs). When false the driver declares `visibility: 'local'` and gives no URLs. Default true.
   */
  public?: boolean;
  /** Base URL that serves the bucket root (a CDN or website endpoint). Default: derived from the endpoint. */
  publicUrl?: string;
  /** Values larger than this go up as multipart uploads in parts of this size. Default 8 MiB, min 5 MiB. */
  multipartThreshold?: number;
  /** Parts uploaded at once; memory used by one put is about `(uploadConcurrency + 2) × multipartThreshold`. Default 4. */
  uploadConcurrency?: number;
  /**
   * `'provider'` (default): the server is strongly consistent per key (AWS S3 since 2020, radosgw, MinIO).
   * `'masked'`: the driver remembers the ETag it last wrote to each key in this process and re-reads
   * (with backoff) while the server still returns an older one.
   */
  readYourWrites?: 'provider' | 'masked';
  /** Re-reads in `'masked'` mode before trusting the server's answer. Default 6 (about 3 s in total). */
  maskedReadAttempts?: number;
  /**
   * @deprecated Ignored: every call is one attempt (the SDK's own retries are off), and retries belong
   * to core's policy layer (`withDriverPolicy`, `storage_retries`). A value other than 1 emits a
   * `DeprecationWarning`.
   */
  maxAttempts?: number;
  /** A ready client to use instead of building one (tests, custom middleware, shared connection pools). */
  client?: S3Client;
}

export const MiB = 1024 * 1024;
/** S3's smallest part size (all parts but the last). */
export const MIN_PART_BYTES = 5 * MiB;
/** S3 keys are at most 1024 bytes of UTF-8. */
export const MAX_S3_KEY_BYTES = 1024;
/**
 * Longest key the core's encoder produces (`immutable/<64 hex>` or `mutable/<≤ 200 chars>`, see
 * `MAX_ENCODED_SEGMENT_LENGTH`), with room to spare; the prefix gets the rest of the 1024 bytes.
 */
export const MAX_ENCODED_KEY_BYTES = 224;
export const MAX_PREFIX_BYTES = MAX_S3_KEY_BYTES - MAX_ENCODED_KEY_BYTES;
