import { bucketAddressOfPublicKey } from './bucket-address.js';
import { type DecodedJwt, decodeJwt, verifyEs256k } from './es256k-jwt.js';
import { revokedTokenError, validationError } from './hub-errors.js';

/** The auth version the hub announces in `/hub_info` and accepts (`bearer v1:<JWT>`). */
export const LATEST_AUTH_VERSION = 'v1';

/** The challenge a v1 token must carry in `gaiaChallenge`; the same shape as the Gaia hub's. */
export function challengeTextOf(serverName: string): string {
  return JSON.stringify(['gaiahub', '0', serverName, 'blockstack_storage_please_sign']);
}

/** Scope names a token may restrict itself to (each with a path or prefix in `domain`). */
export const SCOPE_NAMES = [
  'putFile',
  'putFilePrefix',
  'deleteFile',
  'deleteFilePrefix',
  'putFileArchival',
  'putFileArchivalPrefix',
] as const;
export type ScopeName = (typeof SCOPE_NAMES)[number];
/** The Gaia hub refuses tokens with more scopes than this; so do we, so tokens behave the same on both. */
const MAX_SCOPES = 8;

/** What a token allows beyond its bucket. Empty lists mean "no restriction of that kind". */
export interface TokenScopes {
  writePaths: string[];
  writePrefixes: string[];
  deletePaths: string[];
  deletePrefixes: string[];
  archivalPaths: string[];
  archivalPrefixes: string[];
}

/** A token that verified for a bucket. */
export interface VerifiedToken {
  /** The address the token's key owns (the bucket). */
  bucketAddress: string;
  /** Who authorised the writer: the association token's issuer when there is one, else `bucketAddress`. */
  signerAddress: string;
  scopes: TokenScopes;
}

export interface TokenCheck {
  /** The bucket the request is for (from its URL). */
  address: string;
  challengeText: string;
  /** Tokens issued (`iat`, seconds) before this are revoked; 0 or undefined: none are. */
  oldestValidTimestamp?: number;
  /** When given, the token's `hubUrl` must be one of these (trailing slash ignored). */
  validHubUrls?: readonly string[];
  /** Seconds since the epoch; defaults to now. */
  nowSeconds?: number;
}

/**
 * Checks an `Authorization` header (`bearer v1:<ES256K JWT>`) for a bucket: the JWT's signature by its
 * `iss` key, that `iss` owns the bucket address, the challenge text, `exp`, the revoke-all timestamp
 * (`iat` must not be older), the claimed hub when `validHubUrls` is set, the scopes, and an association
 * token when present (verified, not expired, naming this key as its child).
 * @throws HubError 401 (ValidationError or AuthTokenTimestampValidationError) saying what is wrong.
 */
export function verifyAuthorization(header: string | undefined, check: TokenCheck): VerifiedToken {
  if (!header)
    throw validationError(
      'Missing Authorization header: send "bearer v1:<token>" (connectToGaiaHub makes one).',
    );
  const match = /^bearer\s+(.+)$/i.exec(header.trim());
  if (!match) throw validationError('The Authorization header must be "bearer v1:<token>".');
  const credential = match[1]!;
  if (!credential.startsWith('v1:')) {
    throw validationError(
      'Only v1 tokens are accepted ("bearer v1:<JWT>"); legacy tokens are not. Update the client.',
    );
  }
  const token = decodeToken(credential.slice('v1:'.length), 'authentication token');
  const { payload } = token;

  const issuer = payload.iss;
  if (typeof issuer !== 'string' || issuer.length === 0)
    throw validationError('The token has no `iss` claim (the public key in hex).');
  const issuerAddress = bucketAddressOfPublicKey(issuer);
  if (issuerAddress === undefined)
    throw validationError("The token's `iss` is not a secp256k1 public key in hex.");
  if (issuerAddress !== check.address) {
    throw validationError(
      `This token's key owns bucket ${issuerAddress}, not ${check.address}: sign with the bucket's key.`,
    );
  }

  const oldest = check.oldestValidTimestamp ?? 0;
  if (oldest > 0) {
    const issuedAt = payload.iat;
    if (typeof issuedAt !== 'number') {
      throw revokedTokenError(
        `Bucket ${check.address} accepts only tokens issued at or after ${oldest} and this token has no \`iat\`: it may have been revoked. Make a new token with an \`iat\`.`,
      );
    }
    if (issuedAt < oldest) {
      throw revokedTokenError(
        `Bucket ${check.address} accepts only tokens issued at or after ${oldest}; this one was issued at ${issuedAt} and is revoked. Make a new token.`,
      );
    }
  }

  if (check.validHubUrls) {
    const claimed = typeof payload.hubUrl === 'string' ? payload.hubUrl.replace(/\/$/, '') : undefined;
    if (claimed === undefined)
      throw validationError('The token names no `hubUrl`, and this hub requires one.');
    if (!check.validHubUrls.some((url) => url.replace(/\/$/, '') === claimed)) {
      throw validationError(
        `The token was made for hub ${claimed}, not this one: connect to this hub again.`,
      );
    }
  }

  const scopes = parseScopes(payload.scopes);
  if (!verifyEs256k(token, issuer))
    throw validationError("The token's signature does not verify with its `iss` key.");
  if (payload.gaiaChallenge !== check.challengeText) {
    throw validationError(
      "The token signs another challenge text than this hub's: read /hub_info and make a new token.",
    );
  }
  const now = check.nowSeconds ?? Date.now() / 1000;
  if (typeof payload.exp === 'number' && payload.exp < now) {
    throw validationError(`The token expired at ${payload.exp} (seconds since the epoch): make a new one.`);
  }

  let signerAddress = check.address;
  if (typeof payload.associationToken === 'string' && payload.associationToken.length > 0) {
    signerAddress = verifyAssociationToken(payload.associationToken, issuer, now);
  }
  return { bucketAddress: check.address, signerAddress, scopes };
}

/**
 * An association token delegates from an identity key (`iss`) to an app key (`childToAssociate`).
 * @returns the identity key's address. @throws HubError 401.
 */
function verifyAssociationToken(encoded: string, childPublicKey: string, now: number): string {
  const token = decodeToken(encoded, 'association token');
  const { payload } = token;
  const issuer = payload.iss;
  if (typeof issuer !== 'string') throw validationError('The association token has no `iss` claim.');
  if (typeof payload.childToAssociate !== 'string') {
    throw validationError('The association token has no `childToAssociate` claim.');
  }
  if (typeof payload.exp !== 'number') throw validationError('The association token has no `exp` claim.');
  const signerAddress = bucketAddressOfPublicKey(issuer);
  if (signerAddress === undefined)
    throw validationError("The association token's `iss` is not a public key.");
  if (!verifyEs256k(token, issuer))
    throw validationError("The association token's signature does not verify.");
  if (payload.exp < now)
    throw validationError(`The association token expired at ${payload.exp}: ask for a new one.`);
  const child = bucketAddressOfPublicKey(payload.childToAssociate);
  if (child === undefined || child !== bucketAddressOfPublicKey(childPublicKey)) {
    throw validationError(
      'The association token delegates to another key than the one that signed this token.',
    );
  }
  return signerAddress;
}

function decodeToken(token: string, what: string): DecodedJwt {
  const decoded = decodeJwt(token);
  if (decoded === undefined)
    throw validationError(`The ${what} is not a well-formed JWT with JSON object parts.`);
  return decoded;
}

function parseScopes(value: unknown): TokenScopes {
  const scopes: TokenScopes = {
    writePaths: [],
    writePrefixes: [],
    deletePaths: [],
    deletePrefixes: [],
    archivalPaths: [],
    archivalPrefixes: [],
  };
  if (value === undefined || value === null) return scopes;
  if (!Array.isArray(value)) throw validationError("The token's `scopes` must be a list of {scope, domain}.");
  if (value.length > MAX_SCOPES) throw validationError(`A token may carry at most ${MAX_SCOPES} scopes.`);
  for (const entry of value as unknown[]) {
    const { scope, domain } = (entry ?? {}) as { scope?: unknown; domain?: unknown };
    if (typeof scope !== 'string' || !(SCOPE_NAMES as readonly string[]).includes(scope)) {
      throw validationError(`Unknown scope ${JSON.stringify(scope)}; known: ${SCOPE_NAMES.join(', ')}.`);
    }
    if (typeof domain !== 'string') throw validationError(`The scope ${scope} has no string \`domain\`.`);
    const list: Record<ScopeName, string[]> = {
      putFile: scopes.writePaths,
      putFilePrefix: scopes.writePrefixes,
      deleteFile: scopes.deletePaths,
      deleteFilePrefix: scopes.deletePrefixes,
      putFileArchival: scopes.archivalPaths,
      putFileArchivalPrefix: scopes.archivalPrefixes,
    };
    list[scope as ScopeName].push(domain);
  }
  return scopes;
}

function allowedBy(path: string, paths: readonly string[], prefixes: readonly string[]): boolean {
  return paths.includes(path) || prefixes.some((prefix) => path.startsWith(prefix));
}

/** Whether the token keeps old versions of what it overwrites or deletes (archival scopes). */
export function isArchival(scopes: TokenScopes): boolean {
  return scopes.archivalPaths.length > 0 || scopes.archivalPrefixes.length > 0;
}

/** @throws HubError 401 when the token's scopes do not let it write `path`. */
export function checkWriteScope(scopes: TokenScopes, address: string, path: string): void {
  const restricted = scopes.writePaths.length > 0 || scopes.writePrefixes.length > 0;
  if (restricted && !allowedBy(path, scopes.writePaths, scopes.writePrefixes)) {
    throw validationError(`This token's scopes do not allow writing ${address}/${path}.`);
  }
  checkArchivalScope(scopes, address, path);
}

/** @throws HubError 401 when the token's scopes do not let it delete `path`. */
export function checkDeleteScope(scopes: TokenScopes, address: string, path: string): void {
  const restricted = scopes.deletePaths.length > 0 || scopes.deletePrefixes.length > 0;
  if (restricted && !allowedBy(path, scopes.deletePaths, scopes.deletePrefixes)) {
    throw validationError(`This token's scopes do not allow deleting ${address}/${path}.`);
  }
  checkArchivalScope(scopes, address, path);
}

function checkArchivalScope(scopes: TokenScopes, address: string, path: string): void {
  if (isArchival(scopes) && !allowedBy(path, scopes.archivalPaths, scopes.archivalPrefixes)) {
    throw validationError(`This token's archival scopes do not cover ${address}/${path}.`);
  }
}
