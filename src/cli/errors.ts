/**
 * Exit codes and the error type that carries a user-facing message.
 * 0 success, 2 bad usage or input (the message names what was wrong),
 * 1 internal failure.
 */
import { InputError } from '../errors.js';

export const EXIT_OK = 0;
export const EXIT_INTERNAL = 1;
export const EXIT_USAGE = 2;

/**
 * Bad use of the command line itself (conflicting flags, a folder that is not
 * a campaign): printed without a stack trace, exit code 2 — like every other
 * `InputError` the library throws.
 */
export class UsageError extends InputError {}
