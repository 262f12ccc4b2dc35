/** Base class of skein's errors: a stable `code` for programs and a message that says what to do. */
export class SkeinError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
  }
}

/** A configuration value that cannot be used; `key` names it as the user wrote it. */
export class ConfigError extends SkeinError {
  readonly key: string;

  constructor(key: string, message: string) {
    super('CONFIG_INVALID', `${key}: ${message}`);
    this.key = key;
  }
}
