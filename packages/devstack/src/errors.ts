/** Stable codes for everything the devstack can fail at; each message says what to do next. */
export type DevstackErrorCode =
  | 'DEVSTACK_JAVA_MISSING'
  | 'DEVSTACK_NGINX_MISSING'
  | 'DEVSTACK_MAVEN_FAILED'
  | 'DEVSTACK_INSTALL_FAILED'
  | 'DEVSTACK_PORT_BUSY'
  | 'DEVSTACK_START_TIMEOUT'
  | 'DEVSTACK_PROCESS_EXITED'
  | 'DEVSTACK_CONFIG_INVALID'
  | 'DEVSTACK_PROVIDER_UNAVAILABLE';

export class DevstackError extends Error {
  readonly code: DevstackErrorCode;
  /** The log file to read when a service failed to start, if there is one. */
  readonly logFile: string | undefined;

  constructor(code: DevstackErrorCode, message: string, options: { logFile?: string; cause?: unknown } = {}) {
    super(options.logFile ? `${message} (log: ${options.logFile})` : message, { cause: options.cause });
    this.name = 'DevstackError';
    this.code = code;
    this.logFile = options.logFile;
  }
}
