// A messaging platform's refusal or silence, in the terms the channel needs: whether the
// credentials were refused (the channel is disconnected), whether to try again later, and how
// long the platform asks to wait. Messages are the platform's own words, never a URL or token.

export class PlatformError extends Error {
  /** The platform's status code (HTTP or its own), 0 when it could not be reached. */
  readonly status: number;
  /** Seconds the platform asks to wait (429 Retry-After, Telegram's retry_after). */
  readonly retryAfter: number | null;
  readonly credentialsRejected: boolean;
  readonly retryable: boolean;

  constructor(
    status: number,
    message: string,
    options: { retryAfter?: number | null; credentialsRejected?: boolean; retryable?: boolean } = {},
  ) {
    super(message);
    this.name = 'PlatformError';
    this.status = status;
    this.retryAfter = options.retryAfter ?? null;
    this.credentialsRejected = options.credentialsRejected ?? false;
    this.retryable = options.retryable ?? (status === 0 || status === 429 || status >= 500);
  }
}

/** Any failure as a PlatformError: an unexpected one reads as the platform being unreachable. */
export function asPlatformError(error: unknown, platform: string): PlatformError {
  return error instanceof PlatformError ? error : new PlatformError(0, `${platform} could not be reached.`);
}

/** A fetch that failed before any answer, as the platform not answering. */
export function unreachable(error: unknown, platform: string): PlatformError {
  const name = (error as Error).name;
  return new PlatformError(
    0,
    name === 'TimeoutError' || name === 'AbortError'
      ? `${platform} did not answer in time.`
      : `${platform} could not be reached.`,
  );
}

/** Retry-After in whole seconds (delay form), or null. */
export function retryAfterHeader(response: Response): number | null {
  const value = response.headers.get('retry-after');
  return value && /^\d+$/.test(value.trim()) ? Math.min(Number(value.trim()), 24 * 3600) : null;
}
