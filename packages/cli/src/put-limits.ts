/**
 * Size limits of the command line. Mutable puts stream values of any size (above the client's chunk
 * threshold they are stored chunked, a few MiB in memory at a time), and `get -o` streams to the file.
 */
export const MIB = 1024 * 1024;
/**
 * Largest input of an immutable `put`: immutable values are still hashed and stored whole (the
 * zone-file record names the SHA-256 of the whole value).
 */
export const MAX_IMMUTABLE_PUT_BYTES = 512 * MIB;
/**
 * Largest stored object a read takes whole: values stored whole before chunking (a bsk2 envelope of
 * up to ~230 MiB, an immutable value of up to 512 MiB), and the whole-value reads of `--json` output.
 */
export const MAX_READ_BYTES = 512 * MIB;
