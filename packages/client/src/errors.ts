/** Stable error codes of @skein/client. */
export type ClientErrorCode = 'CONFIG_INVALID' | 'UNSUPPORTED_FORMAT';

/** Base class of the client's errors: a stable `code` for programs and a message that says what to do. */
export class ClientError extends Error {
  readonly code: ClientErrorCode;

  constructor(code: ClientErrorCode, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A configuration value that cannot be used; `key` names the variable or option as the user wrote it. */
export class TracerConfigError extends ClientError {
  readonly key: string;

  constructor(key: string, message: string) {
    super('CONFIG_INVALID', `${key}: ${message}`);
    this.key = key;
  }
}
