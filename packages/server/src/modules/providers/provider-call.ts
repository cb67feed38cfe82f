// The life of one provider call: its timeout, the caller's abort, stopping the HTTP request when
// the call ends, and deciding what the caller gets when it fails.
import { ProviderError, providerLabel, toProviderError } from './provider-errors.ts';
import type { ProviderConnection } from './provider-types.ts';

export interface Call {
  signal: AbortSignal;
  /** (Re)starts the timer: the provider must produce something within timeoutMs from now. */
  arm(): void;
  /** Stops the timer while the consumer, not the provider, holds things up. */
  disarm(): void;
  /** Ends the call: aborts the HTTP request if it is still running. */
  end(): void;
  /** Records a failure the SDK cannot see; it wins over what the SDK reports. */
  report(failure: ProviderError): void;
  /** The failure reported out of band, if any. */
  reported(): ProviderError | null;
  /** What to throw for an error that ended the call. */
  failure(error: unknown): unknown;
}

export function startCall(
  connection: ProviderConnection,
  timeoutMs: number,
  callerSignal: AbortSignal | undefined,
): Call {
  const provider = connection.provider;
  const timeout = new AbortController();
  const stop = new AbortController();
  const signal = AbortSignal.any(
    callerSignal ? [callerSignal, timeout.signal, stop.signal] : [timeout.signal, stop.signal],
  );
  let timer: ReturnType<typeof setTimeout> | undefined;
  let reported: ProviderError | null = null;
  const disarm = () => {
    clearTimeout(timer);
    timer = undefined;
  };
  const arm = () => {
    disarm();
    timer = setTimeout(
      () => timeout.abort(new DOMException(`No answer within ${timeoutMs} ms.`, 'TimeoutError')),
      timeoutMs,
    );
  };
  arm();
  return {
    signal,
    arm,
    disarm,
    end() {
      disarm();
      stop.abort();
    },
    report(failure) {
      reported ??= failure;
    },
    reported: () => reported,
    failure(error) {
      // The caller gets its own reason back: the client went away, nothing failed.
      if (callerSignal?.aborted) return callerSignal.reason;
      // Checked before the error itself: depending on where the abort lands, the SDK reports
      // it as an AbortError, a TimeoutError, a RetryError or a closed stream.
      if (timeout.signal.aborted) {
        return new ProviderError(
          'provider_timeout',
          `${providerLabel(provider)} did not answer within ${timeoutMs} ms.`,
          { provider },
        );
      }
      return reported ?? toProviderError(error, provider, { secrets: [connection.apiKey] });
    },
  };
}
