/** Where the client writes what it has to say: reported spans (JAEGER_REPORTER_LOG_SPANS) and failures. */
export interface Logger {
  info(message: string): void;
  error(message: string): void;
}

/** The default: one line per message on stderr. */
export const consoleLogger: Logger = {
  info: (message) => console.error(`[skein-client] ${message}`),
  error: (message) => console.error(`[skein-client] ERROR ${message}`),
};
