/** Errors raised by {@link AmiClient}. Every one is an `Error` with a stable `code`. */
import type { AmiResponse } from './types.js';

/** The server answered `Response: Error` (or `Response: Failure`). `message` is the server's `Message:`. */
export class AmiError extends Error {
  readonly code = 'AMI_ERROR';
  /** The action that failed. */
  readonly action: string;
  /** The whole response, headers as the server wrote them. */
  readonly response: AmiResponse;
  constructor(action: string, response: AmiResponse, message?: string) {
    const m = response.Message;
    super(
      message ??
        (typeof m === 'string' && m !== '' ? m : Array.isArray(m) ? m.join(' ') : `${action} failed`),
    );
    this.name = 'AmiError';
    this.action = action;
    this.response = response;
  }
}

/** The connection is missing, was lost, or was closed while the action was pending. */
export class AmiConnectionError extends Error {
  readonly code = 'AMI_CONNECTION';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AmiConnectionError';
  }
}

/** Login was refused (bad credentials, unsupported AuthType, ACL). */
export class AmiAuthError extends Error {
  readonly code = 'AMI_AUTH';
  readonly response: AmiResponse | undefined;
  constructor(message: string, response?: AmiResponse) {
    super(message);
    this.name = 'AmiAuthError';
    this.response = response;
  }
}

/** No (complete) answer within the time allowed. */
export class AmiTimeoutError extends Error {
  readonly code = 'AMI_TIMEOUT';
  constructor(message: string) {
    super(message);
    this.name = 'AmiTimeoutError';
  }
}
