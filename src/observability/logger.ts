import winston from 'winston';

/** Keys whose values never reach a log line, whatever component logs them. */
const SECRET_KEYS = /token|secret|password|authorization|api[-_]?key/i;

const redactSecrets = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (SECRET_KEYS.test(key)) info[key] = '[redacted]';
  }
  return info;
});

export type Logger = winston.Logger;

export interface LoggerOptions {
  level?: string;
  /** Extra sink, e.g. a stream a test reads; defaults to stderr so stdout stays free for command output. */
  stream?: NodeJS.WritableStream;
}

/** Structured JSON logger for one component; level from LOG_LEVEL unless given. */
export function createLogger(component: string, options: LoggerOptions = {}): Logger {
  const transport = options.stream
    ? new winston.transports.Stream({ stream: options.stream })
    : new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] });
  return winston.createLogger({
    level: options.level ?? process.env['LOG_LEVEL'] ?? 'info',
    defaultMeta: { component },
    format: winston.format.combine(redactSecrets(), winston.format.timestamp(), winston.format.json()),
    transports: [transport],
  });
}
