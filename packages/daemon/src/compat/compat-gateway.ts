// The narrow port of the Gateway that the compat endpoint uses: the outbox, the durable log, the
// link and the raw transport. Naming it keeps the endpoint testable and its reach visible.
import type { Gateway } from '../gateway.js';

export type CompatGateway = Pick<Gateway, 'settings' | 'submit' | 'record' | 'onLogged' | 'eventsAfter' | 'transport' | 'linkUp' | 'backend' | 'challenge' | 'healthy'>;
