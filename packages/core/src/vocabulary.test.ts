import { describe, expect, expectTypeOf, it } from 'vitest';
import type { LinkState } from './connection-machine.js';
import type { GateState } from './send-gate.js';
import type { SendOutcome } from './transport.js';
import type { SendOutcomeV2 } from './transport-v2.js';
import {
  GATE_REASONS,
  isLinkUp,
  LINK_STATES,
  MESSAGE_STATES,
  SEND_OUTCOME_KINDS,
  type GateReason,
  type LinkStateKind,
  type SendOutcomeKind,
} from './vocabulary.js';

describe('vocabularies', () => {
  it('are the lists the product uses, in order', () => {
    expect(LINK_STATES).toEqual(['connecting', 'syncing', 'connected', 'disconnected', 'reconnecting', 'failed', 'closed']);
    expect(MESSAGE_STATES).toEqual(['queued', 'sending', 'sent', 'delivered', 'read', 'failed', 'unknown']);
    expect(GATE_REASONS).toEqual(['rate-limited', 'captcha-required', 'backend-not-ready', 'send-timeout', 'unauthorized']);
    expect(SEND_OUTCOME_KINDS).toEqual(['sent', 'not-sent', 'backend-not-ready', 'rate-limited', 'captcha-required', 'unauthorized', 'failed', 'retriable', 'unknown']);
  });

  it('are exactly the kinds the types use', () => {
    expectTypeOf<LinkState['kind']>().toEqualTypeOf<LinkStateKind>();
    expectTypeOf<Extract<GateState, { state: 'paused' }>['reason']>().toEqualTypeOf<GateReason>();
    expectTypeOf<SendOutcomeV2['kind']>().toEqualTypeOf<SendOutcomeKind>();
    expectTypeOf<SendOutcome['kind']>().toEqualTypeOf<SendOutcomeKind>();
  });

  it('say which link states may carry sends', () => {
    expect(LINK_STATES.filter(isLinkUp)).toEqual(['syncing', 'connected']);
  });
});
