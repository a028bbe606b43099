// The transport contract suites, v1 and v2. Any transport passes one through a harness that can
// drive its backend; each check is a plain async function that throws a ContractViolation (saying
// what was expected and what happened), so it runs under any test runner:
//   for (const check of transportContractV2(makeHarness)) it(check.name, check.run);
import type { Transport } from '../transport.js';
import type { TransportV2 } from '../transport-v2.js';
import {
  BASE_CHECKS,
  LATE_CHECK,
  LOSS_CHECK,
  RECEIPT_CHECK,
  REFUSAL_CHECK,
  tools,
  type CheckSpec,
} from './contract-checks.js';
import type { ContractCheck, ContractOptions } from './contract-kit.js';
import { subjectOf, type HarnessCore, type Subject } from './contract-subject.js';

/** A harness for a v1 transport. The optional methods add checks (declare them in the options too). */
export interface TransportHarness<Out, In> extends Omit<HarnessCore<Out>, 'deliverReceipt'> {
  readonly transport: Transport<Out, In>;
}

/** A harness for a v2 transport. `loseNextSend` is required: every v2 transport must get that case right. */
export interface TransportHarnessV2<Out, In> extends HarnessCore<Out> {
  readonly transport: TransportV2<Out, In>;
  loseNextSend(): Promise<void>;
}

export interface TransportContractOptions extends ContractOptions {
  /** The transport reports late answers through `onLateOutcome`; the harness has `answerHungSends`. @default false */
  readonly lateOutcomes?: boolean;
  /** The backend can refuse us for good; the harness has `refuseCredentials`. @default false */
  readonly refusal?: boolean;
}

export interface TransportContractV1Options extends TransportContractOptions {
  /** The harness has `loseNextSend` (always required in v2). @default false */
  readonly lossAfterWrite?: boolean;
}

export interface TransportContractV2Options extends TransportContractOptions {
  /** The backend sends receipts and the transport reports them through `onReceipt`; the harness has `deliverReceipt`. @default false */
  readonly receipts?: boolean;
}

/** The v1 suite. A v1 harness written before the optional methods existed still runs it unchanged. */
export function transportContract<Out, In>(makeHarness: () => Promise<TransportHarness<Out, In>>, options: TransportContractV1Options = {}): ContractCheck[] {
  const features = { lossAfterWrite: options.lossAfterWrite ?? false, lateOutcomes: options.lateOutcomes ?? false, refusal: options.refusal ?? false, receipts: false };
  return suite('v1', async () => {
    const harness = await makeHarness();
    return subjectOf('v1', harness.transport, harness);
  }, features, options.waitMs);
}

/** The v2 suite. */
export function transportContractV2<Out, In>(makeHarness: () => Promise<TransportHarnessV2<Out, In>>, options: TransportContractV2Options = {}): ContractCheck[] {
  const features = { lossAfterWrite: true, lateOutcomes: options.lateOutcomes ?? false, refusal: options.refusal ?? false, receipts: options.receipts ?? false };
  return suite('v2', async () => {
    const harness = await makeHarness();
    return subjectOf('v2', harness.transport, harness);
  }, features, options.waitMs);
}

interface Features {
  readonly lossAfterWrite: boolean;
  readonly lateOutcomes: boolean;
  readonly refusal: boolean;
  readonly receipts: boolean;
}

/** Which harness method each feature needs. */
const NEEDS: Record<keyof Features, keyof HarnessCore<unknown>> = {
  lossAfterWrite: 'loseNextSend',
  lateOutcomes: 'answerHungSends',
  refusal: 'refuseCredentials',
  receipts: 'deliverReceipt',
};

function suite<Out, In>(version: 'v1' | 'v2', make: () => Promise<Subject<Out, In>>, features: Features, waitMs = 5_000): ContractCheck[] {
  const specs: CheckSpec[] = [declaration(version, features), ...BASE_CHECKS];
  if (features.lossAfterWrite) specs.push(LOSS_CHECK);
  if (features.lateOutcomes) specs.push(LATE_CHECK);
  if (features.receipts) specs.push(RECEIPT_CHECK);
  if (features.refusal) specs.push(REFUSAL_CHECK);
  return specs.map((spec) => ({
    name: spec.name,
    run: async () => {
      const subject = await make();
      try {
        await spec.body(tools(subject, waitMs));
      } finally {
        await subject.harness.close();
      }
    },
  }));
}

/** The version, the kind, and a harness whose optional methods match what the options declared. */
function declaration(version: 'v1' | 'v2', features: Features): CheckSpec {
  return {
    name: `declares specificationVersion ${version} and a kind; the harness matches the declared features`,
    body: async ({ subject, expect }) => {
      expect(subject.specificationVersion === version, 'specificationVersion', `'${version}'`, JSON.stringify(subject.specificationVersion));
      expect(typeof subject.kind === 'string' && subject.kind.length > 0, 'kind', 'a non-empty string', JSON.stringify(subject.kind));
      for (const [feature, method] of Object.entries(NEEDS) as [keyof Features, keyof HarnessCore<unknown>][]) {
        if (version === 'v1' && feature === 'receipts') continue;
        const has = typeof subject.harness[method] === 'function';
        const declared = features[feature];
        expect(
          has === declared,
          `harness.${method}`,
          declared ? `the harness to have ${method} (the options declare ${feature})` : `${feature}: true in the options, since the harness has ${method} (else its check never runs)`,
          has ? `${feature} not declared` : `no ${method}`,
        );
      }
    },
  };
}
