/**
 * Typed errors. The CLI maps each kind to an exit code and prints one line; the stack is
 * shown only with --debug. Anything else that escapes is a bug in autoprof.
 */

/** AutoprofError is the base of every error the CLI reports as one line. */
export class AutoprofError extends Error {
  readonly exitCode: number = 2;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** UsageError: bad flags or arguments. */
export class UsageError extends AutoprofError {}

/**
 * FormatError: the input is recognisably this format but broken. `where` names the file and
 * the offset or line, so the user can look at the exact spot.
 */
export class FormatError extends AutoprofError {
  constructor(
    readonly format: string,
    message: string,
    readonly where?: string,
    options?: { cause?: unknown },
  ) {
    super(`${format}: ${message}${where ? ` (at ${where})` : ''}`, options);
  }
}

/** UnknownFormatError: no importer recognised the input. */
export class UnknownFormatError extends AutoprofError {}

/** InputLimitError: input exceeded a configured cap (decompressed size, label size, ...). */
export class InputLimitError extends AutoprofError {}

/** CollectorError: a collector failed in a way the run cannot continue from. */
export class CollectorError extends AutoprofError {}

/** CheckFailedError: a gate or check failed; exit 1, not 2. */
export class CheckFailedError extends AutoprofError {
  override readonly exitCode = 1;
}
