/** An error that becomes an HTTP answer with ARM's error body `{ error: { code, message, target? } }`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly target?: string,
  ) {
    super(message);
  }

  body(): { error: { code: string; message: string; target?: string } } {
    return { error: { code: this.code, message: this.message, ...(this.target ? { target: this.target } : {}) } };
  }
}

export const badRequest = (message: string, code = 'BadRequest', target?: string) => new HttpError(400, code, message, target);
export const notFound = (message: string, code = 'ResourceNotFound') => new HttpError(404, code, message);
export const conflict = (message: string, code = 'Conflict') => new HttpError(409, code, message);
export const unauthorized = (message: string, code = 'AuthenticationFailed') => new HttpError(401, code, message);
