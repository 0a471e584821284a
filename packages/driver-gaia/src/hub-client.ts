import { AbortedError, ConfigurationError, UnavailableError } from '@blockstack-storage/core/driver';
import { discard, hubResponseError } from './hub-errors.js';
import type { TokenSigner } from './token.js';

/** How long the shared `/hub_info` read may take before it fails (and the next call tries again). */
const HUB_INFO_TIMEOUT_MS = 30_000;

/** What a hub says about itself at `GET /hub_info`. */
export interface HubInfo {
  challengeText: string;
  /** Files are read at `<readUrlPrefix><address>/<path>`; ends with "/". */
  readUrlPrefix: string;
  /** `max_file_upload_size_megabytes`, as the hub gave it. */
  maxUploadMegabytes: number;
  /** The same in bytes (Gaia's megabyte is 2^20 bytes). */
  maxUploadBytes: number;
}

export interface HubRequest {
  operation: string;
  /** The storage key concerned, for errors. */
  key?: string;
  signal?: AbortSignal;
}

/**
 * One app key's session with one hub: reads `/hub_info`, makes v1 tokens for its challenge, sends
 * authorised requests, and when the hub answers 401 (token revoked with revoke-all, expired, or a
 * challenge that changed) reads `/hub_info` again and retries once with a fresh token.
 */
export class HubClient {
  private info: Promise<HubInfo> | undefined;
  private token: { authorization: string; renewAt: number } | undefined;

  constructor(
    readonly hubUrl: string,
    private readonly signer: TokenSigner,
    private readonly driver: string,
    private readonly tokenLifetimeSeconds: number,
  ) {}

  /**
   * The hub's info, read once (again after `refresh`). The read is shared by every caller, so it does
   * not follow one caller's signal (that caller's abort would fail the others): it has its own time
   * limit, and each caller stops waiting when its own signal fires.
   */
  connect(signal?: AbortSignal): Promise<HubInfo> {
    if (!this.info) {
      const reading = this.readHubInfo(AbortSignal.timeout(HUB_INFO_TIMEOUT_MS));
      this.info = reading;
      // A failed read is not remembered: the next call tries again.
      reading.catch(() => {
        if (this.info === reading) this.info = undefined;
      });
    }
    return untilAborted(this.info, signal, this.driver);
  }

  /** Forgets the info and token, then reads `/hub_info` again. */
  refresh(signal?: AbortSignal): Promise<HubInfo> {
    this.info = undefined;
    this.token = undefined;
    return this.connect(signal);
  }

  /**
   * Sends `init` to `<hub>/<path>` with a token. On 401 the token is renewed and, when `replayable`
   * (the body can be sent again), the request is sent once more.
   * @returns the hub's response, whatever its status, except a 401 that a fresh token could retry.
   */
  async send(path: string, init: RequestInit, request: HubRequest, replayable = true): Promise<Response> {
    const first = await this.sendOnce(path, init, request);
    if (first.status !== 401 || !replayable) return first;
    await discard(first);
    await this.refresh(request.signal);
    return this.sendOnce(path, init, request);
  }

  /** Wraps `fetch` so a failure to reach the hub is an `UnavailableError` (or `AbortedError`). */
  async fetch(url: string, init: RequestInit, request: HubRequest): Promise<Response> {
    try {
      return await fetch(url, { ...init, signal: request.signal });
    } catch (error) {
      const context = { driver: this.driver, key: request.key, cause: error };
      if (request.signal?.aborted) throw new AbortedError('Operation aborted', context);
      throw new UnavailableError(`Could not reach ${url} (${request.operation})`, context);
    }
  }

  private async sendOnce(path: string, init: RequestInit, request: HubRequest): Promise<Response> {
    const info = await this.connect(request.signal);
    const headers = new Headers(init.headers);
    headers.set('Authorization', this.authorization(info));
    return this.fetch(`${this.hubUrl}/${path}`, { ...init, headers }, request);
  }

  private authorization(info: HubInfo): string {
    const now = Math.floor(Date.now() / 1000);
    if (!this.token || now >= this.token.renewAt) {
      const authorization = this.signer.authorization({
        challengeText: info.challengeText,
        hubUrl: this.hubUrl,
        issuedAt: now,
        expiresAt: now + this.tokenLifetimeSeconds,
      });
      // Renewed before the hub would refuse it (a minute before, or half way for short lifetimes), so a
      // request in flight does not race the expiry.
      const lifetime = this.tokenLifetimeSeconds;
      this.token = { authorization, renewAt: now + Math.max(Math.ceil(lifetime / 2), lifetime - 60) };
    }
    return this.token.authorization;
  }

  private async readHubInfo(signal: AbortSignal): Promise<HubInfo> {
    const url = `${this.hubUrl}/hub_info`;
    let response: Response;
    try {
      response = await fetch(url, { signal });
    } catch (error) {
      throw new UnavailableError(`Could not read ${url}`, { driver: this.driver, cause: error });
    }
    if (!response.ok)
      throw await hubResponseError(response, { driver: this.driver, operation: 'hub_info', url });
    let body: Record<string, unknown>;
    try {
      body = (await response.json()) as Record<string, unknown>;
    } catch (error) {
      throw this.notAHub(url, 'its answer is not JSON', error);
    }
    const challengeText = body.challenge_text;
    const readUrlPrefix = body.read_url_prefix;
    const megabytes = Number(body.max_file_upload_size_megabytes ?? 20);
    if (
      typeof challengeText !== 'string' ||
      typeof readUrlPrefix !== 'string' ||
      !URL.canParse(readUrlPrefix)
    ) {
      throw this.notAHub(url, 'it names no challenge_text and read_url_prefix');
    }
    const version = body.latest_auth_version;
    if (typeof version === 'string' && version !== 'v1') {
      throw this.notAHub(url, `it asks for auth version ${version}; this driver makes v1 tokens`);
    }
    if (!(megabytes > 0))
      throw this.notAHub(url, 'its max_file_upload_size_megabytes is not a positive number');
    return {
      challengeText,
      readUrlPrefix: readUrlPrefix.endsWith('/') ? readUrlPrefix : `${readUrlPrefix}/`,
      maxUploadMegabytes: megabytes,
      maxUploadBytes: Math.floor(megabytes * 1024 * 1024),
    };
  }

  private notAHub(url: string, why: string, cause?: unknown): ConfigurationError {
    return new ConfigurationError(`${url} does not answer as a Gaia hub: ${why}`, {
      driver: this.driver,
      cause,
      hint: 'Check hub_url: it is the URL apps connect to (e.g. https://hub.blockstack.org), without a path.',
    });
  }
}

/** `promise`, or an `AbortedError` as soon as `signal` fires (the promise itself carries on). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined, driver: string): Promise<T> {
  if (!signal) return promise;
  const aborted = () => new AbortedError('Operation aborted', { driver, cause: signal.reason });
  if (signal.aborted) return Promise.reject(aborted());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(aborted());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
