// Follows tetherd's event stream across its restarts, resuming with Last-Event-ID so that nothing
// logged while it was away is missed: counts sends and incoming messages, tells waiters about
// every event, and answers a captcha pause by submitting the challenge through
// `POST /v1/challenge`, as an operator would with `tether challenge`. With several tetherds on one
// database it follows one live instance at a time (every instance streams the shared log, whose
// event ids are shared), and moves to the next in turn, with Last-Event-ID, whenever the one it
// follows goes down or is paused.
import http from 'node:http';
import type { Cluster } from './cluster.js';
import type { DaemonProcess } from './daemon-process.js';
import { incomingIndex } from './incoming.js';

export interface SoakEvent {
  readonly kind: string;
  readonly data: Record<string, unknown>;
}

export class EventWatch {
  readonly #cluster: Cluster;
  readonly #listeners = new Set<(event: SoakEvent | undefined) => void>();
  #request: http.ClientRequest | undefined;
  #closed = false;
  readonly #answering = new Set<string>();
  /** `sent` message events seen so far. */
  sent = 0;
  challenges = 0;
  /** Copies of each soak incoming message tetherd spooled, by its number (more than one is a bug). */
  readonly received = new Map<number, number>();
  /** The id of the last event read: the stream resumes after it (from the very first, on a fresh daemon). */
  #lastId = 0;

  /** How often the stream was opened: more than once means it resumed (on another instance, with several). */
  opened = 0;

  constructor(cluster: Cluster) {
    this.#cluster = cluster;
  }

  start(): void {
    void this.#follow();
  }

  close(): void {
    this.#closed = true;
    this.#request?.destroy();
  }

  /** Called with every event, and with `undefined` each time the stream (re)opens. */
  on(listener: (event: SoakEvent | undefined) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Resolves true when `check` holds (tested on each event), false after `ms`. */
  until(check: () => boolean, ms: number): Promise<boolean> {
    if (check()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(false), ms);
      const unsubscribe = this.on(() => {
        if (check()) finish(true);
      });
      const finish = (value: boolean) => {
        clearTimeout(timer);
        unsubscribe();
        resolve(value);
      };
    });
  }

  async #follow(): Promise<void> {
    while (!this.#closed) {
      const member = await this.#cluster.next();
      // a paused instance keeps the stream open but silent: leave it for a live one
      const leave = member.onDown(() => this.#request?.destroy());
      await new Promise<void>((resolve) => this.#open(member, resolve));
      leave();
    }
  }

  #open(member: DaemonProcess, done: () => void): void {
    const headers = { 'last-event-id': String(this.#lastId) };
    const outgoing = http.get({ socketPath: member.socket, path: '/v1/events?kinds=message,gate,incoming', headers, agent: false }, (response) => {
      this.opened++;
      this.#emit(undefined);
      void this.#checkGate();
      let buffered = '';
      response.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('utf8');
        const blocks = buffered.split('\n\n');
        buffered = blocks.pop()!;
        for (const block of blocks) this.#block(block);
      });
      response.on('close', done);
    });
    this.#request = outgoing;
    outgoing.on('error', () => setTimeout(done, 20));
  }

  #block(block: string): void {
    const fields = new Map(block.split('\n').filter((line) => line.includes(': ') && !line.startsWith(':')).map((line) => [line.slice(0, line.indexOf(': ')), line.slice(line.indexOf(': ') + 2)]));
    const id = Number(fields.get('id'));
    if (Number.isSafeInteger(id)) this.#lastId = id;
    const data = fields.get('data');
    if (data === undefined) return;
    const event: SoakEvent = { kind: fields.get('event') ?? 'message', data: JSON.parse(data) as Record<string, unknown> };
    if (event.kind === 'message' && event.data['state'] === 'sent') this.sent++;
    const index = event.kind === 'incoming' ? incomingIndex(event.data['text']) : undefined;
    if (index !== undefined) this.received.set(index, (this.received.get(index) ?? 0) + 1);
    if (event.kind === 'gate') this.#answerCaptcha(event.data);
    this.#emit(event);
  }

  #emit(event: SoakEvent | undefined): void {
    for (const listener of [...this.#listeners]) listener(event);
  }

  /** A pause that began before the stream opened has no event of ours: read it from status. */
  async #checkGate(): Promise<void> {
    try {
      const status = await this.#cluster.request<{ gate: Record<string, unknown> }>('GET', '/v1/status');
      this.#answerCaptcha(status.body.gate);
    } catch {
      // the daemon went down again; the next stream checks
    }
  }

  #answerCaptcha(gate: Record<string, unknown>): void {
    const token = gate['challengeToken'];
    if (gate['state'] !== 'paused' || gate['reason'] !== 'captcha-required' || typeof token !== 'string') return;
    if (this.#answering.has(token)) return;
    this.#answering.add(token);
    void this.#submitChallenge(token).finally(() => this.#answering.delete(token));
  }

  /**
   * Retries while the pause lasts: the backend may be down when the captcha is "solved", and the
   * lead may move (only the leader takes a challenge; a standby answers 409 naming it).
   */
  async #submitChallenge(token: string): Promise<void> {
    for (let attempt = 0; attempt < 100 && !this.#closed; attempt++) {
      try {
        const leader = await this.#cluster.leader();
        const answer = await leader.request('POST', '/v1/challenge', { body: { token, captcha: 'signalcaptcha://soak-solved-captcha' } });
        if (answer.status === 200) {
          this.challenges++;
          return;
        }
        const status = await leader.request<{ gate: Record<string, unknown> }>('GET', '/v1/status');
        if (status.body.gate['challengeToken'] !== token) return;
      } catch {
        // no answer: the daemon is down; if its successor keeps the pause, its gate event (or
        // the status read when the stream reopens) asks again
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
