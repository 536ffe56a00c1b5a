/**
 * Base class of every error reeltape throws on purpose; each message says what failed, where (file,
 * request or field) and how to fix it. Its own module so every error file can extend it without a cycle.
 *
 * @example
 * try { await withCassette('users', run); }
 * catch (error) { if (error instanceof ReeltapeError) console.error(error.message); }
 */
export class ReeltapeError extends Error {
  /** @param message what failed, where, and how to fix it */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ReeltapeError';
  }
}
