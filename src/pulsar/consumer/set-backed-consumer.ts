import type { MessageId } from '../protocol/message-id.ts';
import type { ConsumerSet } from './consumer-set.ts';
import type { ConsumerMessage, MessageConsumer } from './consumer-types.ts';

/**
 * The {@link MessageConsumer} surface of a façade over a {@link ConsumerSet} (partitioned and
 * multi-topic consumers): delivery, acks and lifecycle go to the set, which routes them to the
 * partition consumer concerned. Subclasses add how the set is filled.
 */
export abstract class SetBackedConsumer implements MessageConsumer {
  /** The merged partition consumers. */
  protected readonly set: ConsumerSet;

  protected constructor(set: ConsumerSet) {
    this.set = set;
  }

  get isEndOfTopic(): boolean {
    return this.set.isEndOfTopic;
  }

  receive(signal?: AbortSignal): Promise<ConsumerMessage> {
    return this.set.receive(signal);
  }

  [Symbol.asyncIterator](): AsyncIterator<ConsumerMessage> {
    return this.set[Symbol.asyncIterator]();
  }

  grantPermits(n: number): void {
    this.set.grantPermits(n);
  }

  acknowledge(target: ConsumerMessage | MessageId): Promise<void> {
    return this.set.acknowledge(target);
  }

  acknowledgeCumulative(target: ConsumerMessage | MessageId): Promise<void> {
    return this.set.acknowledgeCumulative(target);
  }

  negativeAcknowledge(target: ConsumerMessage | MessageId): void {
    this.set.negativeAcknowledge(target);
  }

  hasMessageAvailable(): Promise<boolean> {
    return this.set.hasMessageAvailable();
  }

  unsubscribe(): Promise<void> {
    return this.set.unsubscribe();
  }

  close(): Promise<void> {
    return this.set.close();
  }
}
