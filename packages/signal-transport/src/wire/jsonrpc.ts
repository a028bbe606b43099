// JSON-RPC 2.0 messages as signal-cli's daemon writes and reads them (CONTRACT §C.2): one JSON
// value per line. Encoding our requests, and sorting each line read into what it is.

import { isObject, parseJson, type JsonObject } from './json-read.js';

export type JsonRpcId = string | number;

export interface JsonRpcErrorObject {
  readonly code: number;
  readonly message: string;
  readonly data?: unknown;
}

export type JsonRpcResponse =
  | { readonly kind: 'response'; readonly id: JsonRpcId | null; readonly result: unknown }
  | { readonly kind: 'response'; readonly id: JsonRpcId | null; readonly error: JsonRpcErrorObject };

export interface JsonRpcNotification {
  readonly kind: 'notification';
  readonly method: string;
  readonly params: unknown;
}

export interface JsonRpcInvalid {
  readonly kind: 'invalid';
  /** Why; never quotes the line, which may hold a message body. */
  readonly reason: string;
}

export type JsonRpcSingle = JsonRpcResponse | JsonRpcNotification | JsonRpcInvalid;

export type JsonRpcMessage = JsonRpcSingle | { readonly kind: 'batch'; readonly items: readonly JsonRpcSingle[] };

/** One request as a line, `\n` included. JSON escapes every newline inside strings. */
export function encodeRequest(id: JsonRpcId, method: string, params?: unknown): string {
  const request = params === undefined ? { jsonrpc: '2.0', method, id } : { jsonrpc: '2.0', method, params, id };
  return `${JSON.stringify(request)}\n`;
}

/** Sorts one line into a response, a notification, a batch of those, or invalid. Never throws. */
export function parseJsonRpcLine(line: string): JsonRpcMessage {
  const value = parseJson(line);
  if (value === undefined) return invalid('not JSON');
  if (!Array.isArray(value)) return readSingle(value);
  if (value.length === 0) return invalid('an empty batch');
  return { kind: 'batch', items: value.map(readSingle) };
}

function invalid(reason: string): JsonRpcInvalid {
  return { kind: 'invalid', reason };
}

function readSingle(value: unknown): JsonRpcSingle {
  if (!isObject(value)) return invalid('not a JSON-RPC object');
  if ('jsonrpc' in value && value['jsonrpc'] !== '2.0') return invalid('not JSON-RPC 2.0');
  if ('method' in value) return readNotification(value);
  if ('result' in value || 'error' in value) return readResponse(value);
  return invalid('neither a response nor a notification');
}

function readNotification(value: JsonObject): JsonRpcSingle {
  const method = value['method'];
  if (typeof method !== 'string') return invalid('a method that is not a string');
  // signal-cli never calls its clients; a request from it would wait for an answer we never give.
  if ('id' in value && value['id'] !== null) return invalid('a request from the server');
  return { kind: 'notification', method, params: value['params'] };
}

function readResponse(value: JsonObject): JsonRpcSingle {
  const id = value['id'];
  if (!(typeof id === 'string' || typeof id === 'number' || id === null)) return invalid('a response without a valid id');
  if ('result' in value && 'error' in value && value['error'] !== null) return invalid('a response with both result and error');
  if ('result' in value) return { kind: 'response', id, result: value['result'] };
  const error = value['error'];
  const code = isObject(error) ? error['code'] : undefined;
  if (!isObject(error) || typeof code !== 'number' || !Number.isInteger(code)) return invalid('an error without an integer code');
  const message = typeof error['message'] === 'string' ? error['message'] : '';
  return { kind: 'response', id, error: 'data' in error ? { code, message, data: error['data'] } : { code, message } };
}
