// WsChatTransport keeps the v2 transport contract, with every optional check, against a real
// chat server on 127.0.0.1.
import { transportContractV2 } from '@tether/core/testing';
import { describe, it } from 'vitest';
import { chatHarness, FEATURES } from './harness.js';

describe('WsChatTransport keeps the transport contract v2', () => {
  for (const check of transportContractV2(chatHarness(), { ...FEATURES, waitMs: 2_000 })) it(check.name, check.run);
});
