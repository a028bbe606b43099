// One client of the JSON-RPC daemon: newline-delimited JSON in, one JSON value per line out.
// Requests run concurrently (a virtual thread each in signal-cli), so answers can overtake each
// other; a batch is answered as one array once all its requests are done.
import type { Socket } from 'node:net';
import { GatedWriter, type FreezeGate } from '../freeze-gate.js';
import type { SignalCli } from '../signal-cli.js';
import { invoke, type MethodAnswer } from './methods.js';
import { failure, parseLine, receiveNotification, success, type JsonRpcRequest, type ParsedItem } from './protocol.js';
import type { HubConnection, ReceiveHub } from './receive-hub.js';

export interface ConnectionContext {
  signalCli: SignalCli;
  hub: ReceiveHub;
  gate: FreezeGate;
  counted(): void;
}

export class JsonRpcConnection implements HubConnection {
  readonly #writer: GatedWriter<string>;
  readonly #unsubscribe: () => void;
  #partial: string[] = [];
  #inbox: string[] = [];

  constructor(
    private readonly socket: Socket,
    private readonly context: ConnectionContext,
  ) {
    this.#writer = new GatedWriter(context.gate, (line) => {
      if (!socket.destroyed && socket.writable) socket.write(`${line}\n`);
    });
    // Lines read while frozen are handled, in order, once the gate opens.
    this.#unsubscribe = context.gate.onUnfreeze(() => queueMicrotask(() => this.#drain()));
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.#receive(chunk));
    socket.on('error', () => undefined);
    socket.once('close', () => {
      this.#unsubscribe();
      this.#writer.dispose();
      context.hub.disconnect(this);
    });
    context.hub.connect(this);
  }

  notify(params: unknown): void {
    this.#writer.send(receiveNotification(params));
  }

  #receive(chunk: string): void {
    // a long line (a large attachment inline) comes in many chunks: gathered, not re-joined per chunk
    if (!chunk.includes('\n')) return void this.#partial.push(chunk);
    const lines = (this.#partial.join('') + chunk).split('\n');
    this.#partial = [lines.pop() ?? ''];
    for (const line of lines) this.#inbox.push(line.endsWith('\r') ? line.slice(0, -1) : line);
    this.#drain();
  }

  #drain(): void {
    while (!this.context.gate.frozen && this.#inbox.length > 0) this.#handle(this.#inbox.shift() as string);
  }

  #handle(line: string): void {
    const parsed = parseLine(line);
    if (parsed.kind === 'ignore') return;
    if (parsed.kind === 'error') {
      this.#writer.send(parsed.response);
      return;
    }
    if (parsed.kind === 'single') {
      void this.#run(parsed.item).then((response) => {
        if (response !== undefined) this.#writer.send(response);
      });
      return;
    }
    void Promise.all(parsed.items.map((item) => this.#run(item))).then((responses) => {
      const answered = responses.filter((response): response is string => response !== undefined);
      if (answered.length > 0) this.#writer.send(`[${answered.join(',')}]`);
    });
  }

  async #run(item: ParsedItem): Promise<string | undefined> {
    if (item.kind === 'error') return item.response;
    this.context.counted();
    const answer = await this.#invoke(item.request);
    if (!item.request.hasId) return undefined;
    return 'error' in answer ? failure(item.request.id, answer.error) : success(item.request.id, answer.result);
  }

  async #invoke(request: JsonRpcRequest): Promise<MethodAnswer> {
    try {
      return await invoke(request.method, request.params, { ...this.context, connection: this });
    } catch (thrown) {
      const message = thrown instanceof Error ? thrown.message : String(thrown);
      return { error: { code: -32603, message: `${message} (${thrown instanceof Error ? thrown.name : 'Error'})`, data: null } };
    }
  }
}
