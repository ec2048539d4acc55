/**
 * Exit codes and the error type that carries a user-facing message.
 * 0 success, 2 bad usage or input (the message names what was wrong),
 * 1 internal failure.
 */
export const EXIT_OK = 0;
export const EXIT_INTERNAL = 1;
export const EXIT_USAGE = 2;

/** Bad input from the user: printed without a stack trace, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
