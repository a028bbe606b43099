// signal-cli's JSON-RPC framing (S:…/jsonrpc/JsonRpcReader.java, JsonRpcResponse.java): one JSON
// value per line, batches as arrays, `data` always present on errors, `id` echoed or null. Pure.
import { errorCodes, type JsonRpcErrorObject } from '../signal-cli-error.js';

export type RequestId = string | number | boolean | null;

export interface JsonRpcRequest {
  method: string;
  params: Record<string, unknown> | unknown[] | undefined;
  id: RequestId;
  /** A request without an `id` key is a notification: executed, never answered. */
  hasId: boolean;
}

export type ParsedItem = { kind: 'request'; request: JsonRpcRequest } | { kind: 'error'; response: string };

export type ParsedLine =
  | { kind: 'single'; item: ParsedItem }
  | { kind: 'batch'; items: ParsedItem[] }
  | { kind: 'error'; response: string }
  | { kind: 'ignore' };

const requestKeys = new Set(['jsonrpc', 'method', 'params', 'id']);

export function parseLine(line: string): ParsedLine {
  if (line.trim() === '') return { kind: 'error', response: failure(null, error(errorCodes.parse, 'Empty input line')) };
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (parseError) {
    return { kind: 'error', response: failure(null, error(errorCodes.parse, (parseError as Error).message)) };
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return { kind: 'error', response: failure(null, error(errorCodes.invalidRequest, 'invalid request')) };
    return { kind: 'batch', items: value.map(parseRequest) };
  }
  if (typeof value !== 'object' || value === null) {
    return { kind: 'error', response: failure(null, error(errorCodes.invalidRequest, `unexpected type: ${nodeType(value)}`)) };
  }
  // A response from the client (to nothing signal-cli asked): logged and dropped upstream.
  if ('result' in value || 'error' in value) return { kind: 'ignore' };
  return { kind: 'single', item: parseRequest(value) };
}

function parseRequest(value: unknown): ParsedItem {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const message = `Cannot deserialize value of type \`org.asamk.signal.jsonrpc.JsonRpcRequest\` from ${nodeType(value)} value`;
    return { kind: 'error', response: failure(null, error(errorCodes.invalidRequest, message)) };
  }
  const record = value as Record<string, unknown>;
  const rawId = record['id'];
  const id: RequestId = isValueNode(rawId) ? rawId : null;
  const invalid = (message: string): ParsedItem => ({ kind: 'error', response: failure(id, error(errorCodes.invalidRequest, message)) });
  const unknownKey = Object.keys(record).find((key) => !requestKeys.has(key));
  if (unknownKey !== undefined) {
    return invalid(`Unrecognized field "${unknownKey}" (class org.asamk.signal.jsonrpc.JsonRpcRequest), not marked as ignorable`);
  }
  if (rawId !== undefined && !isValueNode(rawId)) return invalid('Cannot deserialize value of type `ValueNode` from container value');
  const params = record['params'];
  if (params !== undefined && params !== null && typeof params !== 'object') {
    return invalid(`Cannot deserialize value of type \`ContainerNode\` from ${nodeType(params)} value`);
  }
  if (record['jsonrpc'] !== '2.0') return invalid('only jsonrpc version 2.0 is supported');
  const method = record['method'];
  if (method === undefined || method === null) return invalid('method field must be set');
  if (typeof method !== 'string') return invalid('Cannot deserialize value of type `java.lang.String` from container value');
  return {
    kind: 'request',
    request: { method, params: (params ?? undefined) as JsonRpcRequest['params'], id, hasId: 'id' in record },
  };
}

export function success(id: RequestId, result: unknown): string {
  return JSON.stringify({ jsonrpc: '2.0', result, id });
}

export function failure(id: RequestId, rpcError: JsonRpcErrorObject): string {
  const { code, message, data } = rpcError;
  return JSON.stringify({ jsonrpc: '2.0', error: { code, message, data: data ?? null }, id });
}

export function receiveNotification(params: unknown): string {
  return JSON.stringify({ jsonrpc: '2.0', method: 'receive', params });
}

export function error(code: number, message: string): JsonRpcErrorObject {
  return { code, message, data: null };
}

function isValueNode(value: unknown): value is RequestId {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

function nodeType(value: unknown): string {
  if (value === null) return 'NULL';
  if (Array.isArray(value)) return 'ARRAY';
  return typeof value === 'object' ? 'OBJECT' : (typeof value).toUpperCase();
}
