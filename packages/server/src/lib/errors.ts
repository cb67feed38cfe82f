// One error class and the closed set of error types of the API envelope.
export const ERROR_STATUS = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  conflict_error: 409,
  idempotency_error: 409,
  rate_limit_error: 429,
  quota_exceeded_error: 429,
  provider_error: 502,
  api_error: 500,
} as const;

export type ErrorType = keyof typeof ERROR_STATUS;

export interface ErrorBody {
  type: ErrorType;
  code: string;
  message: string;
  param?: string;
  status: number;
  request_id?: string;
}

export class AppError extends Error {
  readonly type: ErrorType;
  readonly code: string;
  readonly param: string | undefined;
  readonly status: number;
  readonly headers: Record<string, string>;

  constructor(
    type: ErrorType,
    code: string,
    message: string,
    options: { param?: string; status?: number; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = 'AppError';
    this.type = type;
    this.code = code;
    this.param = options.param;
    this.status = options.status ?? ERROR_STATUS[type];
    this.headers = options.headers ?? {};
  }

  static invalid(code: string, message: string, param?: string): AppError {
    return new AppError('invalid_request_error', code, message, { param });
  }

  static notFound(what: string, id: string): AppError {
    return new AppError('not_found_error', 'resource_not_found', `No ${what} found with id '${id}'.`);
  }

  static unauthenticated(code: string, message: string): AppError {
    return new AppError('authentication_error', code, message);
  }

  toBody(requestId?: string): ErrorBody {
    return {
      type: this.type,
      code: this.code,
      message: this.message,
      ...(this.param === undefined ? {} : { param: this.param }),
      status: this.status,
      ...(requestId === undefined ? {} : { request_id: requestId }),
    };
  }
}
