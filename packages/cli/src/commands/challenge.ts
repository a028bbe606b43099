// `tether challenge TOKEN CAPTCHA`: submits a solved captcha for a `captcha-required` pause, so
// the daemon lifts the pause and the queued messages go out.
import type { CommandContext, Result } from '../command-context.js';
import { renderGate } from '../output/status-view.js';

export async function challenge(context: CommandContext, token: string, captcha: string): Promise<Result> {
  const gate = await context.client().challenge(token, captcha);
  const human = gate.state === 'open' ? 'challenge accepted: the send gate is open and queued messages go out now' : `challenge accepted; the send gate is ${renderGate(gate, context.now(), context.style)}`;
  return { human, json: gate };
}
