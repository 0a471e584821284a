import { decryptECIES, parseEciesEnvelope } from '../crypto/index.js';
import { PermissionError } from '../errors.js';

/**
 * The plaintext of a verified mutable value: decrypted with `privateKey` when it is an ECIES envelope
 * (and `decrypt` is set), else the stored bytes as they are (a public value).
 * @throws PermissionError when it is an envelope this key cannot open.
 */
export function openValue(
  stored: Uint8Array,
  privateKey: Uint8Array,
  context: { decrypt: boolean; owner: string; dataId: string },
): { data: Uint8Array; encrypted: boolean } {
  if (!context.decrypt || stored[0] !== 0x7b /* { */) return { data: stored, encrypted: false };
  let envelope: ReturnType<typeof parseEciesEnvelope>;
  try {
    envelope = parseEciesEnvelope(stored);
  } catch {
    return { data: stored, encrypted: false };
  }
  try {
    return { data: decryptECIES(privateKey, envelope), encrypted: true };
  } catch (error) {
    // The signature verified, so these are the bytes the signer stored; the envelope does not name
    // its recipient, so a MAC mismatch cannot tell "another key" from "damaged before signing".
    const why = error instanceof Error ? error.message : String(error);
    throw new PermissionError(
      `${context.owner}'s datum cannot be decrypted with this client's data key (${why}): it was encrypted to another key, or damaged before it was signed`,
      {
        key: context.dataId,
        cause: error,
        hint: 'If it was encrypted to another key, only that key can read it (ask the owner to encrypt it to your data key); otherwise the writer must store it again.',
      },
    );
  }
}
