import { PulsarError } from '../errors.ts';
import type { MessageId } from '../protocol/message-id.ts';
import type { ConsumerMessage, FlowMode, MessageConsumer } from './consumer-types.ts';
import type { PartitionConsumer } from './partition-consumer.ts';
import { ReceiveWaiters } from './receive-waiters.ts';
import { untilClosed } from './until-closed.ts';

/**
 * Merged delivery over several partition consumers (Java `MultiTopicsConsumerImpl`): receive takes
 * from the children round-robin, acks are routed back to the child that delivered the message.
 *
 * In manual flow mode the set holds the caller's credit and each child prefetches up to
 * min(credit, receiverQueueSize); delivery is gated here, so exactly the granted number of
 * messages is handed out across all children.
 */
export class ConsumerSet implements MessageConsumer {
  readonly #flowMode: FlowMode;
  #children: PartitionConsumer[] = [];
  readonly #byTopic = new Map<string, PartitionConsumer>();
  readonly #byPartition = new Map<number, PartitionConsumer>();
  /** Ledgers belong to one topic partition, so a ledger id routes ids decoded from base64. */
  readonly #byLedger = new Map<bigint, PartitionConsumer>();
  readonly #waiters = new ReceiveWaiters<ConsumerMessage>();
  #next = 0;
  #demand = 0;
  #closed = false;

  constructor(flowMode: FlowMode) {
    this.#flowMode = flowMode;
  }

  /** How permits are granted to the children (the parent's flow mode). */
  get flowMode(): FlowMode {
    return this.#flowMode;
  }

  /** The current children. */
  get children(): readonly PartitionConsumer[] {
    return this.#children;
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  /** Starts merging `child` into the delivery. */
  add(child: PartitionConsumer): void {
    this.#children.push(child);
    this.#byTopic.set(child.topic, child);
    if (child.partitionIndex >= 0) this.#byPartition.set(child.partitionIndex, child);
    child.setAvailabilityListener(() => {
      this.#serve();
    });
    if (this.#flowMode === 'manual') child.setDemand(this.#demand);
    this.#serve();
  }

  /** Stops merging `child` (it is not closed here). */
  remove(child: PartitionConsumer): void {
    child.setAvailabilityListener(undefined);
    this.#children = this.#children.filter((c) => c !== child);
    if (this.#byTopic.get(child.topic) === child) this.#byTopic.delete(child.topic);
    if (this.#byPartition.get(child.partitionIndex) === child) {
      this.#byPartition.delete(child.partitionIndex);
    }
    for (const [ledger, c] of this.#byLedger) if (c === child) this.#byLedger.delete(ledger);
  }

  get isEndOfTopic(): boolean {
    return this.#children.length > 0 && this.#children.every((c) => c.isEndOfTopic);
  }

  receive(signal?: AbortSignal): Promise<ConsumerMessage> {
    if (this.#closed) return Promise.reject(closedError());
    if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
    if (this.#waiters.size === 0) {
      const now = this.#take();
      if (now !== undefined) return Promise.resolve(now);
    }
    return this.#waiters.wait(signal);
  }

  [Symbol.asyncIterator](): AsyncIterator<ConsumerMessage> {
    return untilClosed(() => this.receive());
  }

  grantPermits(n: number): void {
    if (this.#flowMode !== 'manual' || !(n > 0)) return;
    this.#demand += Math.floor(n);
    for (const c of this.#children) c.setDemand(this.#demand);
    this.#serve();
  }

  acknowledge(target: ConsumerMessage | MessageId): Promise<void> {
    return this.#route(target).then((c) => c.acknowledge(target));
  }

  acknowledgeCumulative(target: ConsumerMessage | MessageId): Promise<void> {
    return this.#route(target).then((c) => c.acknowledgeCumulative(target));
  }

  negativeAcknowledge(target: ConsumerMessage | MessageId): void {
    this.#route(target).then(
      (c) => {
        c.negativeAcknowledge(target);
      },
      () => undefined,
    );
  }

  /** Resolves with the child that owns `target`; rejects with INVALID_ARGUMENT when unknown. */
  #route(target: ConsumerMessage | MessageId): Promise<PartitionConsumer> {
    try {
      return Promise.resolve(this.#routeSync(target));
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  #routeSync(target: ConsumerMessage | MessageId): PartitionConsumer {
    if (this.#closed) throw closedError();
    const byTopic = 'payload' in target ? this.#byTopic.get(target.topic) : undefined;
    if (byTopic !== undefined) return byTopic;
    const id = 'payload' in target ? target.id : target;
    const byLedger = this.#byLedger.get(id.ledgerId);
    if (byLedger !== undefined) return byLedger;
    const byPartition = this.#byPartition.get(id.partition);
    if (byPartition !== undefined && this.#byPartition.size === this.#children.length) {
      return byPartition;
    }
    if (this.#children.length === 1 && id.partition < 0) return this.#children[0]!;
    throw new PulsarError(
      'PULSAR_ERR_INVALID_ARGUMENT',
      'message id belongs to no topic of this consumer',
    );
  }

  async hasMessageAvailable(): Promise<boolean> {
    const results = await Promise.all(this.#children.map((c) => c.hasMessageAvailable()));
    return results.some(Boolean);
  }

  async unsubscribe(): Promise<void> {
    await Promise.all(this.#children.map((c) => c.unsubscribe()));
    await this.close();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const children = this.#children;
    for (const c of children) c.setAvailabilityListener(undefined);
    this.#waiters.rejectAll(closedError());
    await Promise.allSettled(children.map((c) => c.close()));
  }

  #take(): ConsumerMessage | undefined {
    if (this.#flowMode === 'manual' && this.#demand <= 0) return undefined;
    const n = this.#children.length;
    for (let i = 0; i < n; i++) {
      const child = this.#children[(this.#next + i) % n]!;
      const message = child.tryReceive();
      if (message !== undefined) {
        this.#next = (this.#next + i + 1) % n;
        this.#byLedger.set(message.id.ledgerId, child);
        if (this.#flowMode === 'manual') {
          this.#demand--;
          for (const c of this.#children) c.setDemand(this.#demand);
        }
        return message;
      }
    }
    return undefined;
  }

  #serve(): void {
    this.#waiters.serve(() => this.#take());
  }
}

function closedError(): PulsarError {
  return new PulsarError('PULSAR_ERR_CLOSED', 'consumer is closed');
}
