#!/usr/bin/env python3
"""The seven loop_bench workloads in CPython asyncio (and uvloop, if present).

    python3 tools/bench/peers/asyncio_bench.py [--loop asyncio|uvloop]
        [--repetitions 5] [--scale 1.0] [--json OUT] [--only NAME,NAME]

Same workloads as tools/bench/loop_bench.cc, same xorshift64 sequence for the
timer delays:

  CallSoonChain  1,000 seed callbacks, each call_soon()s a successor until
                 CALLBACKS have run; items = callbacks run.
  Timers         TIMERS call_later() timers, delays 0-10 ms, every second one
                 cancelled, run until the rest fire; items = timers scheduled.
  TasksGather    BATCHES batches of 1,000 trivial tasks; a driver task creates
                 each batch and awaits asyncio.gather(*batch); items = tasks.
  TasksAwaitInTurn  the same batches, each task awaited in turn (the old
                 TasksGather, kept for continuity); items = tasks.
  PingPong       two tasks hand an int back and forth through a fresh future
                 per handoff; items = handoffs.
  QueuePutGet    one producer task puts 0..QUEUE_ITEMS-1 into an
                 asyncio.Queue(maxsize=100), one consumer task gets them;
                 items = items through the queue.
  LockContention 100 tasks share one asyncio.Lock; each does
                 `async with lock: await asyncio.sleep(0)` LOCK_ACQUISITIONS/100
                 times; items = acquisitions.

CPython is ~50-100x slower than the C++ loop, so the counts that do not change
the shape of the workload (how many callbacks in the chain, how many batches,
how many handoffs, queue items and lock acquisitions) are scaled down by
default; the ready-queue depth (1,000), the heap size (200,000 timers), the
batch size (1,000), the Queue's maxsize (100) and the number of lock tasks
(100) are kept. Rates are per
wall-clock second; the median over the repetitions is reported.

Prints one line per workload; --json writes the same as a JSON list.
"""

import argparse
import asyncio
import gc
import json
import statistics
import sys
import time

MASK64 = (1 << 64) - 1

# Counts for --scale 1.0. The C++ benchmark runs 1,000,000 callbacks,
# 200,000 timers, 200 batches, 500,000 handoffs, 1,000,000 queue items and
# 100,000 lock acquisitions.
CHAIN_SEEDS = 1_000
CHAIN_CALLBACKS = 200_000
TIMERS = 200_000
TIMER_SPREAD_NS = 10_000_000
BATCH_SIZE = 1_000
BATCHES = 40
HANDOFFS = 100_000
QUEUE_MAXSIZE = 100
QUEUE_ITEMS = 200_000
LOCK_TASKS = 100
LOCK_ACQUISITIONS = 20_000  # in total, LOCK_ACQUISITIONS // LOCK_TASKS per task


def xorshift64(seed):
    x = seed
    while True:
        x ^= (x << 13) & MASK64
        x ^= x >> 7
        x ^= (x << 17) & MASK64
        yield x


def bench_call_soon_chain(loop, callbacks):
    scheduled = 0
    ran = 0

    def step():
        nonlocal scheduled, ran
        ran += 1
        if scheduled < callbacks:
            scheduled += 1
            loop.call_soon(step)
        elif ran == callbacks:
            loop.stop()

    t0 = time.perf_counter()
    for _ in range(CHAIN_SEEDS):
        scheduled += 1
        loop.call_soon(step)
    loop.run_forever()
    dt = time.perf_counter() - t0
    assert ran == callbacks, ran
    return callbacks, dt


def bench_timers(loop, timers):
    fired = 0
    expected = timers // 2

    def on_timer():
        nonlocal fired
        fired += 1
        if fired == expected:
            loop.stop()

    # The delays are drawn before the clock starts: Python's big-int xorshift
    # costs about as much as call_later itself (C++'s costs ~1 ns).
    rng = xorshift64(0x9E3779B97F4A7C15)
    delays = [(next(rng) % TIMER_SPREAD_NS) / 1e9 for _ in range(timers)]
    t0 = time.perf_counter()
    handles = [loop.call_later(d, on_timer) for d in delays]
    for h in handles[1::2]:
        h.cancel()
    loop.run_forever()
    dt = time.perf_counter() - t0
    assert fired == expected, fired
    return timers, dt


async def trivial_coro():
    pass


async def gather_driver(loop, batches):
    awaited = 0
    for _ in range(batches):
        batch = [loop.create_task(trivial_coro()) for _ in range(BATCH_SIZE)]
        results = await asyncio.gather(*batch)
        awaited += len(results)
    return awaited


async def await_in_turn_driver(loop, batches):
    awaited = 0
    for _ in range(batches):
        batch = [loop.create_task(trivial_coro()) for _ in range(BATCH_SIZE)]
        for t in batch:
            await t
            awaited += 1
    return awaited


def bench_tasks_gather(loop, batches):
    t0 = time.perf_counter()
    awaited = loop.run_until_complete(gather_driver(loop, batches))
    dt = time.perf_counter() - t0
    assert awaited == batches * BATCH_SIZE, awaited
    return awaited, dt


def bench_tasks_await_in_turn(loop, batches):
    t0 = time.perf_counter()
    awaited = loop.run_until_complete(await_in_turn_driver(loop, batches))
    dt = time.perf_counter() - t0
    assert awaited == batches * BATCH_SIZE, awaited
    return awaited, dt


async def player(loop, inbox, me, handoffs):
    other = 1 - me
    last = 0
    while True:
        v = await inbox[me]
        if v < 0:
            return last
        last = v
        if v >= handoffs:
            inbox[other].set_result(-1)  # the sentinel: not counted
            return last
        inbox[me] = loop.create_future()
        inbox[other].set_result(v + 1)


async def pingpong_driver(loop, handoffs):
    inbox = [loop.create_future(), loop.create_future()]
    a = loop.create_task(player(loop, inbox, 0, handoffs))
    b = loop.create_task(player(loop, inbox, 1, handoffs))
    inbox[0].set_result(0)
    return max(await a, await b)


def bench_pingpong(loop, handoffs):
    t0 = time.perf_counter()
    n = loop.run_until_complete(pingpong_driver(loop, handoffs))
    dt = time.perf_counter() - t0
    assert n == handoffs, n
    return handoffs, dt


async def queue_producer(q, n):
    for i in range(n):
        await q.put(i)


async def queue_consumer(q, n):
    in_order = 0
    for i in range(n):
        v = await q.get()
        if v == i:
            in_order += 1
    return in_order


async def queue_driver(loop, n):
    # Made inside the running loop: Python 3.9 and older bind a Queue to the
    # current loop when it is created.
    q = asyncio.Queue(maxsize=QUEUE_MAXSIZE)
    producer = loop.create_task(queue_producer(q, n))
    consumer = loop.create_task(queue_consumer(q, n))
    in_order = await consumer
    await producer
    return in_order


def bench_queue_put_get(loop, n):
    t0 = time.perf_counter()
    got = loop.run_until_complete(queue_driver(loop, n))
    dt = time.perf_counter() - t0
    assert got == n, got
    return n, dt


class _LockState:
    def __init__(self):
        self.lock = asyncio.Lock()
        self.acquired = 0
        self.held = False
        self.overlap = False


async def lock_worker(s, n):
    for _ in range(n):
        async with s.lock:
            if s.held:
                s.overlap = True
            s.held = True
            s.acquired += 1
            await asyncio.sleep(0)
            s.held = False


async def lock_driver(loop, acquisitions):
    s = _LockState()
    workers = [loop.create_task(lock_worker(s, acquisitions // LOCK_TASKS)) for _ in range(LOCK_TASKS)]
    for w in workers:
        await w
    return -1 if s.overlap else s.acquired


def bench_lock_contention(loop, acquisitions):
    acquisitions -= acquisitions % LOCK_TASKS
    t0 = time.perf_counter()
    got = loop.run_until_complete(lock_driver(loop, acquisitions))
    dt = time.perf_counter() - t0
    assert got == acquisitions, got
    return acquisitions, dt


def new_loop(kind):
    if kind == "uvloop":
        import uvloop  # noqa: PLC0415 (optional dependency)

        return uvloop.new_event_loop()
    return asyncio.new_event_loop()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies the scaled-down counts")
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--only", help="comma-separated workload names (default: all)")
    args = parser.parse_args()

    def scaled(n):
        return max(1, int(n * args.scale))

    workloads = [
        ("CallSoonChain", bench_call_soon_chain, scaled(CHAIN_CALLBACKS), "callbacks"),
        ("Timers", bench_timers, TIMERS, "timers scheduled"),
        ("TasksGather", bench_tasks_gather, scaled(BATCHES), "tasks"),
        ("TasksAwaitInTurn", bench_tasks_await_in_turn, scaled(BATCHES), "tasks"),
        ("PingPong", bench_pingpong, scaled(HANDOFFS), "handoffs"),
        ("QueuePutGet", bench_queue_put_get, scaled(QUEUE_ITEMS), "items"),
        ("LockContention", bench_lock_contention, max(LOCK_TASKS, scaled(LOCK_ACQUISITIONS)), "acquisitions"),
    ]
    if args.only:
        wanted = set(args.only.split(","))
        unknown = wanted - {w[0] for w in workloads}
        if unknown:
            parser.error(f"unknown workload(s): {', '.join(sorted(unknown))}")
        workloads = [w for w in workloads if w[0] in wanted]
    results = []
    loop = new_loop(args.loop)
    try:
        for name, fn, n, unit in workloads:
            rates = []
            items = 0
            fn(loop, n)  # warm-up, not counted
            for _ in range(args.repetitions):
                gc.collect()
                items, dt = fn(loop, n)
                rates.append(items / dt)
            med = statistics.median(rates)
            results.append({
                "name": name, "loop": args.loop, "python": sys.version.split()[0], "items": items, "unit": unit,
                "median_items_per_second": med, "min_items_per_second": min(rates),
                "max_items_per_second": max(rates), "repetitions": len(rates),
            })
            print(f"{args.loop:8s} {name:16s} {items:>9d} {unit:17s} median {med / 1e6:8.3f} M/s "
                  f"(min {min(rates) / 1e6:.3f}, max {max(rates) / 1e6:.3f}, n={len(rates)})", flush=True)
    finally:
        loop.close()
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
