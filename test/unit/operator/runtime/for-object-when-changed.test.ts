import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubernetesObject } from '@kubernetes/client-node';
import { forObjectWhenChanged } from '../../../../src/operator/runtime/informer.ts';

function gw(
  generation: number,
  extra: {
    status?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    deleting?: boolean;
    finalizers?: string[];
  } = {},
): KubernetesObject & { status?: unknown } {
  return {
    apiVersion: 'pulsarws.io/v1alpha1',
    kind: 'PulsarWebSocketGateway',
    metadata: {
      name: 'gw',
      namespace: 'ns',
      generation,
      resourceVersion: String(Math.random()),
      ...(extra.labels === undefined ? {} : { labels: extra.labels }),
      ...(extra.annotations === undefined ? {} : { annotations: extra.annotations }),
      ...(extra.finalizers === undefined ? {} : { finalizers: extra.finalizers }),
      ...(extra.deleting === true ? { deletionTimestamp: new Date(0) } : {}),
    },
    status: { phase: extra.status ?? 'a' },
  };
}

describe('forObjectWhenChanged', () => {
  it('skips an update that changes only the status (our own status write)', () => {
    const map = forObjectWhenChanged();
    assert.equal(map(gw(1), 'add'), 'ns/gw');
    assert.equal(map(gw(1, { status: 'b' }), 'update'), undefined);
    assert.equal(map(gw(1, { status: 'c' }), 'update'), undefined);
  });

  it('passes updates of the generation, labels, annotations, finalizers and deletion', () => {
    const map = forObjectWhenChanged();
    map(gw(1), 'add');
    assert.equal(map(gw(2), 'update'), 'ns/gw');
    assert.equal(map(gw(2, { labels: { a: 'b' } }), 'update'), 'ns/gw');
    assert.equal(map(gw(2, { labels: { a: 'b' }, annotations: { x: 'y' } }), 'update'), 'ns/gw');
    assert.equal(
      map(gw(2, { labels: { a: 'b' }, annotations: { x: 'y' }, finalizers: ['f'] }), 'update'),
      'ns/gw',
    );
    assert.equal(
      map(
        gw(2, { labels: { a: 'b' }, annotations: { x: 'y' }, finalizers: ['f'], deleting: true }),
        'update',
      ),
      'ns/gw',
    );
  });

  it('always passes resyncs, adds and deletes, and forgets deleted objects', () => {
    const map = forObjectWhenChanged();
    map(gw(1), 'add');
    assert.equal(map(gw(1), 'resync'), 'ns/gw');
    assert.equal(map(gw(1), 'delete'), 'ns/gw');
    // Re-created under the same name with the same generation: the update after a relist passes.
    assert.equal(map(gw(1), 'update'), 'ns/gw');
    assert.equal(map(gw(1), 'add'), 'ns/gw');
  });

  it('keeps state per object', () => {
    const map = forObjectWhenChanged();
    const other = { ...gw(1), metadata: { name: 'other', namespace: 'ns', generation: 1 } };
    map(gw(1), 'add');
    assert.equal(map(other, 'update'), 'ns/other');
    assert.equal(map(gw(1), 'update'), undefined);
  });

  it('ignores objects without a name', () => {
    assert.equal(forObjectWhenChanged()({ metadata: {} }, 'add'), undefined);
  });
});
