export * from './decode.js';
export {
  type ChunkedEncoding,
  DEFAULT_CHUNK_BYTES,
  type EncodeChunkedOptions,
  encodeChunked,
  type SealedChunk,
} from './encode.js';
export {
  CHUNK_TAG_BYTES,
  CHUNKED_FORMAT_TAG,
  type ChunkedManifest,
  chunkCountOf,
  chunkPlaintextLength,
  isChunkedManifest,
  MAX_CHUNK_BYTES,
  MAX_CHUNK_COUNT,
  MAX_FQ_DATA_ID_BYTES,
  MAX_MANIFEST_BYTES,
  type ManifestFields,
  type ParseManifestOptions,
  parseManifest,
  storedChunkLength,
  type WrappedFileKey,
} from './manifest.js';
