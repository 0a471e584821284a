/**
 * Size limits of the command line. Puts stream values of any size (above the client's chunk threshold
 * they are stored chunked, a few MiB in memory at a time), and `get -o` streams to the file.
 */
export const MIB = 1024 * 1024;
/**
 * Largest stored object a read takes whole: values stored whole before chunking (a bsk2 envelope of
 * up to ~230 MiB, an immutable value of up to 512 MiB), and the whole-value reads of `--json` output.
 */
export const MAX_READ_BYTES = 512 * MIB;
