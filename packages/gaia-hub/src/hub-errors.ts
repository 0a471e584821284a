/**
 * The errors the hub answers with. `name` is what the Gaia hub puts in the `error` field of its JSON
 * error body (`{ message, error }`), and `status` the HTTP status `@stacks/storage` maps back to its own
 * error classes (401 ValidationError, 403 BadPathError, 404 DoesNotExist, 412 PreconditionFailedError,
 * 413 PayloadTooLargeError).
 */
export class HubError extends Error {
  readonly status: number;

  constructor(status: number, name: string, message: string) {
    super(message);
    this.status = status;
    this.name = name;
  }
}

/** A missing, malformed, forged, expired or revoked token, or one for another bucket: 401. */
export function validationError(message: string): HubError {
  return new HubError(401, 'ValidationError', message);
}

/** A token issued before the bucket's revoke-all timestamp: 401. */
export function revokedTokenError(message: string): HubError {
  return new HubError(401, 'AuthTokenTimestampValidationError', message);
}

/** A path that could leave the bucket or is not a valid file name: 403. */
export function badPathError(message: string): HubError {
  return new HubError(403, 'BadPathError', message);
}

export function doesNotExistError(message: string): HubError {
  return new HubError(404, 'DoesNotExist', message);
}

export function preconditionFailedError(message: string): HubError {
  return new HubError(412, 'PreconditionFailedError', message);
}

export function payloadTooLargeError(message: string): HubError {
  return new HubError(413, 'PayloadTooLargeError', message);
}

export function invalidInputError(message: string): HubError {
  return new HubError(400, 'InvalidInputError', message);
}

/** The required-write drivers did not all take a write: 503, so the client can retry later. */
export function storageUnavailableError(message: string): HubError {
  return new HubError(503, 'StorageUnavailableError', message);
}
