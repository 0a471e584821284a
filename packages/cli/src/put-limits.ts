/**
 * Size limits of the command line. The client holds a whole value in memory, and a mutable value
 * grows on its way to the drivers: encrypted, its ciphertext is base64 inside an ECIES envelope
 * which is base64 again inside the signed envelope (about 16/9 of the plaintext). V8 strings stop
 * at about 512 MiB, so a mutable put is capped well below that; immutable bytes are stored as given.
 */
export const MIB = 1024 * 1024;
/** Largest input of a mutable `put` (about 230 MiB once encrypted and signed). */
export const MAX_MUTABLE_PUT_BYTES = 128 * MIB;
/** Largest input of an immutable `put`. */
export const MAX_IMMUTABLE_PUT_BYTES = 512 * MIB;
/** Largest stored value a read accepts: the biggest either kind of put can write. */
export const MAX_READ_BYTES = 512 * MIB;
