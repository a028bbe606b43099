// The one table from an error code to an HTTP status (trpc's getHTTPStatusCode is the model):
// the app throws codes, every HTTP surface answers through this table.
import type { ErrorCode } from '../protocol/index.js';

export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  'invalid-body': 400,
  'invalid-json': 400,
  'invalid-recipient': 400,
  'invalid-message': 400,
  'invalid-attachments': 400,
  'empty-message': 400,
  'invalid-expires-at': 400,
  'invalid-batch': 400,
  'invalid-state': 400,
  'invalid-limit': 400,
  'invalid-cursor': 400,
  'invalid-since': 400,
  'invalid-kinds': 400,
  'invalid-token': 400,
  'invalid-captcha': 400,
  'invalid-idempotency-key': 400,
  unauthorized: 401,
  'not-found': 404,
  'method-not-allowed': 405,
  conflict: 409,
  'idempotency-conflict': 409,
  'too-large': 413,
  'challenge-failed': 502,
  'shutting-down': 503,
  busy: 503,
  'outbox-full': 507,
  // the store cannot commit (disk full, database unreachable): nothing was accepted; try again
  'storage-failed': 503,
  internal: 500,
};

export function httpStatus(code: ErrorCode): number {
  return HTTP_STATUS[code];
}
