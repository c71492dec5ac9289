import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { frameNamesRootFirst, type Profile } from '../../model/profile.js';
import type { ProfileStore, ProfileWrite } from './types.js';

/**
 * The behaviour every ProfileStore engine must show. Engines run it from their own test file:
 * `runStoreContract({name, open})`, where `open(namespace)` returns a store over that namespace
 * (a directory, a database name) and opening the same namespace again sees the same data.
 */
export interface StoreFactory {
  name: string;
  open(namespace: string): Promise<ProfileStore>;
  /** freshNamespace returns a namespace nobody used before. */
  freshNamespace(): string;
}

const CPU = 'process_cpu:cpu:nanoseconds:cpu:nanoseconds';
const ALLOC = 'memory:alloc_space:bytes:space:bytes';
const S = 1_000_000_000;
const T0 = 1_700_000_000 * S;

function cpu(
  service: string,
  time: number,
  stacks: Record<string, number>,
  extra: Record<string, string> = {},
): ProfileWrite {
  const entries = Object.entries(stacks);
  return {
    labels: { __profile_type__: CPU, service_name: service, ...extra },
    timeNanos: time,
    durationNanos: 10 * S,
    stacks: entries.map(([k]) => k.split(';')),
    values: entries.map(([, v]) => v),
  };
}

/** folded renders a merged profile as sorted `a;b;c value` lines, so asserts read like pictures. */
export function folded(profile: Profile): string[] {
  const sums = new Map<string, number>();
  for (const s of profile.samples) {
    const key = frameNamesRootFirst(profile, s).join(';');
    sums.set(key, (sums.get(key) ?? 0) + s.values[0]);
  }
  return [...sums].map(([k, v]) => `${k} ${v}`).sort();
}

/** runStoreContract registers the suite. */
export function runStoreContract(factory: StoreFactory): void {
  describe(`ProfileStore contract: ${factory.name}`, () => {
    test('merges a range: stacks summed, half-open range, other types and services apart', async () => {
      const store = await factory.open(factory.freshNamespace());
      try {
        await store.write('t1', [
          cpu('api', T0, { 'main;work;hash': 10, 'main;work': 5 }),
          cpu('api', T0 + 10 * S, { 'main;work;hash': 7, 'main;idle': 1 }),
          cpu('api', T0 + 20 * S, { 'main;late': 100 }),
          cpu('db', T0, { 'main;query': 3 }),
          {
            ...cpu('api', T0, { 'main;alloc': 64 }),
            labels: { __profile_type__: ALLOC, service_name: 'api' },
          },
        ]);
        const p = await store.mergeRange('t1', {
          profileType: CPU,
          matchers: [{ name: 'service_name', op: '=', value: 'api' }],
          startNanos: T0,
          endNanos: T0 + 20 * S,
        });
        assert.deepEqual(folded(p), ['main;idle 1', 'main;work 5', 'main;work;hash 17']);
        assert.deepEqual(p.sampleTypes, [{ type: 'cpu', unit: 'nanoseconds' }]);
        const all = await store.mergeRange('t1', {
          profileType: CPU,
          matchers: [],
          startNanos: 0,
          endNanos: T0 * 2,
        });
        assert.deepEqual(folded(all), [
          'main;idle 1',
          'main;late 100',
          'main;query 3',
          'main;work 5',
          'main;work;hash 17',
        ]);
        const alloc = await store.mergeRange('t1', {
          profileType: ALLOC,
          matchers: [],
          startNanos: 0,
          endNanos: T0 * 2,
        });
        assert.deepEqual(folded(alloc), ['main;alloc 64']);
      } finally {
        await store.close();
      }
    });

    test('selects series with =, !=, =~ and !~; a missing label is the empty string', async () => {
      const store = await factory.open(factory.freshNamespace());
      try {
        await store.write('t1', [
          cpu('api', T0, { a: 1 }, { region: 'eu-west', pod: 'p1' }),
          cpu('api', T0, { b: 2 }, { region: 'us-east', pod: 'p2' }),
          cpu('api', T0, { c: 4 }),
        ]);
        const merge = async (matchers: Parameters<ProfileStore['series']>[1]) =>
          folded(
            await store.mergeRange('t1', { profileType: CPU, matchers, startNanos: 0, endNanos: T0 * 2 }),
          );
        assert.deepEqual(await merge([{ name: 'region', op: '=', value: 'eu-west' }]), ['a 1']);
        assert.deepEqual(await merge([{ name: 'region', op: '!=', value: 'eu-west' }]), ['b 2', 'c 4']);
        assert.deepEqual(await merge([{ name: 'region', op: '=~', value: 'eu-.*|us-east' }]), ['a 1', 'b 2']);
        assert.deepEqual(
          await merge([{ name: 'region', op: '=~', value: 'eu' }]),
          [],
          'regexes are anchored',
        );
        assert.deepEqual(await merge([{ name: 'region', op: '!~', value: 'eu-.*' }]), ['b 2', 'c 4']);
        assert.deepEqual(await merge([{ name: 'region', op: '=', value: '' }]), ['c 4']);
        const series = await store.series('t1', [{ name: 'pod', op: '=', value: 'p2' }]);
        assert.deepEqual(series, [
          { __profile_type__: CPU, service_name: 'api', region: 'us-east', pod: 'p2' },
        ]);
      } finally {
        await store.close();
      }
    });

    test('tenants never see each other', async () => {
      const store = await factory.open(factory.freshNamespace());
      try {
        await store.write('alpha', [cpu('api', T0, { 'secret;alpha': 1 })]);
        await store.write('beta', [cpu('api', T0, { 'main;beta': 2 })]);
        const beta = await store.mergeRange('beta', {
          profileType: CPU,
          matchers: [],
          startNanos: 0,
          endNanos: T0 * 2,
        });
        assert.deepEqual(folded(beta), ['main;beta 2']);
        assert.deepEqual(await store.labelValues('gamma', 'service_name', []), []);
        assert.deepEqual(await store.profileTypes('gamma'), []);
        assert.deepEqual(await store.series('gamma', []), []);
      } finally {
        await store.close();
      }
    });

    test('timeline sums profile totals per step, grouped by labels', async () => {
      const store = await factory.open(factory.freshNamespace());
      try {
        await store.write('t1', [
          cpu('api', T0, { a: 1 }, { pod: 'p1' }),
          cpu('api', T0 + 5 * S, { a: 2 }, { pod: 'p2' }),
          cpu('api', T0 + 10 * S, { a: 4, b: 4 }, { pod: 'p1' }),
          cpu('api', T0 + 30 * S, { a: 16 }, { pod: 'p1' }),
        ]);
        const q = {
          profileType: CPU,
          matchers: [],
          startNanos: T0,
          endNanos: T0 + 30 * S,
          stepNanos: 10 * S,
        };
        const [one] = await store.timeline('t1', q);
        assert.deepEqual(one.values, [3, 8, 0]);
        const byPod = await store.timeline('t1', { ...q, groupBy: ['pod'] });
        assert.deepEqual(
          byPod.map((s) => [s.labels, s.values]),
          [
            [{ pod: 'p1' }, [1, 8, 0]],
            [{ pod: 'p2' }, [2, 0, 0]],
          ],
        );
      } finally {
        await store.close();
      }
    });

    test('coverage: profiles and totals summed, time profiled from the longest-covered series', async () => {
      const store = await factory.open(factory.freshNamespace());
      try {
        if (!store.coverage) return;
        // One 10-s profile split over two threads, then two more of thread t1: 30 s profiled.
        await store.write('t1', [
          cpu('api', T0, { a: 1 }, { thread: 't1' }),
          cpu('api', T0, { a: 2 }, { thread: 't2' }),
          cpu('api', T0 + 10 * S, { a: 4 }, { thread: 't1' }),
          cpu('api', T0 + 20 * S, { a: 8 }, { thread: 't1' }),
          cpu('web', T0, { a: 100 }),
        ]);
        const q = {
          profileType: CPU,
          matchers: [{ name: 'service_name', op: '=' as const, value: 'api' }],
          startNanos: T0,
          endNanos: T0 + 30 * S,
        };
        assert.deepEqual(await store.coverage('t1', q), { profiles: 4, durationNanos: 30 * S, total: 15 });
        assert.deepEqual(await store.coverage('t1', { ...q, startNanos: T0 + 10 * S }), {
          profiles: 2,
          durationNanos: 20 * S,
          total: 12,
        });
        assert.deepEqual(await store.coverage('t2', q), { profiles: 0, durationNanos: 0, total: 0 });
      } finally {
        await store.close();
      }
    });

    test('label names, values and profile types, optionally limited to a time range', async () => {
      const store = await factory.open(factory.freshNamespace());
      try {
        await store.write('t1', [
          cpu('api', T0, { a: 1 }, { region: 'eu' }),
          cpu('web', T0 + 100 * S, { a: 1 }),
          { ...cpu('api', T0, { a: 1 }), labels: { __profile_type__: ALLOC, service_name: 'api' } },
        ]);
        assert.deepEqual(await store.labelNames('t1', []), ['__profile_type__', 'region', 'service_name']);
        assert.deepEqual(await store.labelValues('t1', 'service_name', []), ['api', 'web']);
        assert.deepEqual(
          await store.labelValues('t1', 'service_name', [], {
            startNanos: T0 + 50 * S,
            endNanos: T0 + 200 * S,
          }),
          ['web'],
        );
        assert.deepEqual(await store.profileTypes('t1'), [ALLOC, CPU]);
      } finally {
        await store.close();
      }
    });

    test('acknowledged writes survive a reopen', async () => {
      const ns = factory.freshNamespace();
      const first = await factory.open(ns);
      await first.write('t1', [cpu('api', T0, { 'main;a': 1 })]);
      await first.close();
      const second = await factory.open(ns);
      try {
        // New stacks after a reopen extend the stored tree rather than clash with it.
        await second.write('t1', [cpu('api', T0 + S, { 'main;a': 2, 'main;b': 3 })]);
        const p = await second.mergeRange('t1', {
          profileType: CPU,
          matchers: [],
          startNanos: 0,
          endNanos: T0 * 2,
        });
        assert.deepEqual(folded(p), ['main;a 3', 'main;b 3']);
        const stats = await second.stats();
        assert.equal(stats.profiles, 2);
        assert.equal(stats.series, 1);
      } finally {
        await second.close();
      }
    });

    test('concurrent writes all land', async () => {
      const store = await factory.open(factory.freshNamespace());
      try {
        await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            store.write('t1', [cpu(`svc${i % 3}`, T0 + i * S, { [`main;f${i % 5}`]: 1 })]),
          ),
        );
        const p = await store.mergeRange('t1', {
          profileType: CPU,
          matchers: [],
          startNanos: 0,
          endNanos: T0 * 2,
        });
        assert.equal(
          p.samples.reduce((s, x) => s + x.values[0], 0),
          20,
        );
      } finally {
        await store.close();
      }
    });

    test('retention deletes by age, then the oldest until under the size bound', async () => {
      const store = await factory.open(factory.freshNamespace());
      try {
        const writes: ProfileWrite[] = [];
        for (let i = 0; i < 200; i++) {
          const stacks: Record<string, number> = {};
          for (let j = 0; j < 50; j++) stacks[`main;f${j};g${(i * 7 + j) % 97}`] = i + j + 1;
          writes.push(cpu('api', T0 + i * 10 * S, stacks));
        }
        await store.write('t1', writes);
        const aged = await store.applyRetention({ maxAgeNanos: 1000 * S, nowNanos: T0 + 2000 * S });
        assert.equal(aged.profilesDeleted, 100);
        const kept = await store.mergeRange('t1', {
          profileType: CPU,
          matchers: [],
          startNanos: 0,
          endNanos: T0 * 2,
        });
        assert.ok(kept.samples.length > 0);
        const before = await store.stats();
        assert.equal(before.profiles, 100);
        assert.ok(before.bytesOnDisk >= 0);
        const sized = await store.applyRetention({ maxBytes: 1 });
        assert.ok(sized.profilesDeleted > 0, 'a tiny size bound deletes profiles');
        const after = await store.stats();
        assert.ok(after.profiles < 100);
      } finally {
        await store.close();
      }
    });
  });
}
