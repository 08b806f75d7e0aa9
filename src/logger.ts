import { pino, type Logger, type LoggerOptions } from 'pino';

// Belt and braces: headers and bodies are never logged (the access line is built field by field),
// but should a secret-bearing object ever reach a log call, these paths are censored. Few paths and
// one level of wildcard: redaction runs on every line, so its cost is paid per request.
const SECRET_FIELDS = ['password', 'auth', 'identitytoken', 'registrytoken', 'token', 'authorization', 'data', 'stringData'];
export const REDACT_PATHS = [...SECRET_FIELDS, ...SECRET_FIELDS.map((f) => `*.${f}`)];

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    base: { service: 'regcred' },
    formatters: { level: (label) => ({ level: label }) },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(loggerOptions(level), destination);
}
