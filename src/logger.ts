// The process logger: one JSON event per line; secrets are redacted wherever they might appear.
import { pino, type Logger } from 'pino';

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: 'petrel' },
      redact: {
        paths: [
          'password',
          'email_password',
          'api_key',
          '*.password',
          '*.email_password',
          '*.api_key',
          'req.headers.authorization',
          'req.headers["x-smtp2go-api-key"]',
        ],
        censor: '[redacted]',
      },
    },
    destination ?? process.stdout,
  );
}
