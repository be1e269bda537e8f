import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  diffWrites,
  parseApiserverWrites,
  sumMetric,
} from '../../../bench/operator/operator-bench.ts';

const line = (verb: string, resource: string, code: string, value: number, sub = ''): string =>
  `apiserver_request_total{code="${code}",component="apiserver",dry_run="",group="",resource="${resource}",scope="resource",subresource="${sub}",verb="${verb}",version="v1"} ${String(value)}`;

describe('bench/operator metric parsing', () => {
  it('counts successful writes by verb and resource[/subresource], ignoring reads and failures', () => {
    const text = [
      '# HELP apiserver_request_total x',
      line('PATCH', 'pulsarwebsocketgateways', '200', 3, 'status'),
      line('APPLY', 'deployments', '200', 2),
      line('APPLY', 'deployments', '201', 5),
      line('POST', 'endpoints', '422', 9),
      line('GET', 'deployments', '200', 100),
      line('LIST', 'secrets', '200', 7),
    ].join('\n');
    assert.deepEqual(parseApiserverWrites(text), {
      'PATCH pulsarwebsocketgateways/status': 3,
      'APPLY deployments': 7,
    });
  });

  it('diffWrites keeps only what changed', () => {
    assert.deepEqual(
      diffWrites(
        { 'APPLY deployments': 7, 'PUT leases': 2 },
        { 'APPLY deployments': 7, 'PUT leases': 5, 'POST events': 1 },
      ),
      {
        'PUT leases': 3,
        'POST events': 1,
      },
    );
  });

  it('sumMetric sums every label set of one metric and no metric sharing its prefix', () => {
    const text = [
      'controller_runtime_reconcile_total{result="success"} 10',
      'controller_runtime_reconcile_total{result="error"} 2',
      'controller_runtime_reconcile_total_other 99',
      'workqueue_depth 3',
    ].join('\n');
    assert.equal(sumMetric(text, 'controller_runtime_reconcile_total'), 12);
    assert.equal(sumMetric(text, 'workqueue_depth'), 3);
  });
});
