// Every failure a call can end in, as one type: the contract's error body ({detail, code, errors}),
// or what stands in for it when there is none (the network failed, or something that is not the
// API answered). Screens show `message` at the form and `field(name)` next to the field.

export type FieldErrors = Record<string, string[]>;

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: FieldErrors;
  /** Seconds, from `Retry-After` on 429 and 503. */
  readonly retryAfter: number | null;

  constructor(status: number, code: string, detail: string, fields: FieldErrors = {}, retryAfter: number | null = null) {
    super(detail);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.fields = fields;
    this.retryAfter = retryAfter;
  }

  /** The messages for one field, as one sentence, or undefined. */
  field(name: string): string | undefined {
    const messages = this.fields[name];
    return messages && messages.length > 0 ? messages.join(' ') : undefined;
  }

  /**
   * What to show at the form: the detail, plus the messages of fields the form has no place for
   * (so that no error the API gives is lost), plus when to try again.
   */
  summary(shownFields: readonly string[] = []): string {
    const parts = [this.message];
    for (const [name, messages] of Object.entries(this.fields)) {
      if (!shownFields.includes(name)) parts.push(`${label(name)}: ${messages.join(' ')}`);
    }
    if (this.retryAfter !== null) parts.push(`Try again in ${describeSeconds(this.retryAfter)}.`);
    return parts.join(' ');
  }
}

function label(field: string): string {
  const words = field.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function describeSeconds(seconds: number): string {
  if (seconds < 90) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minutes`;
}

function isFieldErrors(value: unknown): value is FieldErrors {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.values(value).every((messages) => Array.isArray(messages) && messages.every((m) => typeof m === 'string'))
  );
}

/** The ApiError for an answer that is not a success, from its status, body and headers. */
export function errorFromResponse(status: number, body: unknown, headers: Headers): ApiError {
  const retry = headers.get('retry-after');
  const retryAfter = retry !== null && /^\d+$/.test(retry) ? Number(retry) : null;
  if (typeof body === 'object' && body !== null) {
    const { detail, code, errors } = body as Record<string, unknown>;
    if (typeof detail === 'string' && typeof code === 'string') {
      return new ApiError(status, code, detail, isFieldErrors(errors) ? errors : {}, retryAfter);
    }
  }
  return new ApiError(
    status,
    'unexpected_answer',
    status >= 500
      ? `The server could not answer (status ${status}). Please try again in a moment.`
      : `The server gave an answer this app does not understand (status ${status}).`,
    {},
    retryAfter,
  );
}

export const networkError = (): ApiError =>
  new ApiError(0, 'network', 'The server cannot be reached. Check your connection and try again.');

/** Any thrown value as an ApiError (anything else becomes a generic one, with its message). */
export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof TypeError) return networkError();
  return new ApiError(0, 'client_error', error instanceof Error ? error.message : String(error));
}
