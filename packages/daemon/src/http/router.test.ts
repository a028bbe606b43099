// The one router: a method + path table answering the handler with its parameters, 405 with the
// methods the path does have (from the same table), or 404.
import { describe, expect, it } from 'vitest';
import { Router } from './router.js';

const router = new Router([
  { method: 'GET', path: '/v1/messages', handler: 'list' },
  { method: 'POST', path: '/v1/messages', handler: 'submit' },
  { method: 'GET', path: '/v1/messages/:id', handler: 'get' },
  { method: 'POST', path: '/v1/messages/:id/retry', handler: 'retry' },
  { method: 'GET', path: '/v1/messages/:id', handler: 'shadowed' },
  { method: 'PUT', path: '/v1/typing/:number', handler: 'typing' },
  { method: 'DELETE', path: '/v1/typing/:number', handler: 'stop typing' },
]);

describe('Router', () => {
  it('finds the first route for the method and path, with raw parameters', () => {
    expect(router.match('GET', '/v1/messages')).toEqual({ kind: 'found', handler: 'list', params: {} });
    expect(router.match('GET', '/v1/messages/m123')).toEqual({ kind: 'found', handler: 'get', params: { id: 'm123' } });
    expect(router.match('POST', '/v1/messages/a%2Fb/retry')).toEqual({ kind: 'found', handler: 'retry', params: { id: 'a%2Fb' } });
  });

  it('answers method-not-allowed with each method of the path once, in table order', () => {
    expect(router.match('DELETE', '/v1/messages')).toEqual({ kind: 'method-not-allowed', allow: ['GET', 'POST'] });
    expect(router.match('POST', '/v1/messages/m1')).toEqual({ kind: 'method-not-allowed', allow: ['GET'] });
    expect(router.match('GET', '/v1/typing/+49')).toEqual({ kind: 'method-not-allowed', allow: ['PUT', 'DELETE'] });
  });

  it('answers not-found for unknown paths, empty parameters and trailing slashes', () => {
    for (const path of ['/', '/v1', '/v1/messages/', '/v1/messages//retry', '/v1/messages/m1/retry/again', '/v2/messages']) {
      expect(router.match('GET', path), path).toEqual({ kind: 'not-found' });
    }
  });
});
