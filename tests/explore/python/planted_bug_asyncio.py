# The planted bug of planted_bug_test.cc, in CPython's asyncio (3.11): a
# client whose wait_for timeout equals the server's latency. Run:
#   python3 tests/explore/python/planted_bug_asyncio.py
#
# It shows that asyncio's order hides the bug, on two clocks:
#   1. the real clock: the server's timer is registered first, so its
#      deadline is earlier (by the microseconds between the two calls);
#   2. a virtual clock that only moves when the loop would wait, like
#      seedloop's (the two deadlines are then exactly equal): asyncio's timer
#      heap (heapq on TimerHandle, which compares `when` only) pops the
#      server's timer first, because it was pushed first.
# Either way the server's timer runs before the client's timeout in the same
# _run_once; in the next iteration the server task resumes just before the
# client, and the reply is there when wait_for looks: 0 timeouts in every run.
# 3. Control: when the timeout's timer runs first (here: the client
#    registers its timeout before the server starts), wait_for times out —
#    the bug is real; only the order hides it.
#
# Output of the run quoted in planted_bug_test.cc (Python 3.11.7):
#   real clock: 0 timeouts in 200 runs
#   virtual clock: 0 timeouts in 200 runs
#   virtual clock, timeout registered first: 200 timeouts in 200 runs

import asyncio
import selectors
import sys

LATENCY = 0.010


async def server(reply):
    await asyncio.sleep(LATENCY)  # the server works for exactly 10 ms
    if not reply.done():
        reply.set_result(42)


async def client(server_first=True):
    loop = asyncio.get_running_loop()
    reply = loop.create_future()
    if server_first:
        serving = loop.create_task(server(reply))
        await asyncio.sleep(0)  # the server starts first...
        try:
            # ...so its 10 ms end first: the timeout "cannot" fire first.
            await asyncio.wait_for(reply, LATENCY)
        except asyncio.TimeoutError:
            return "timeout"
        finally:
            await serving
    else:
        waiting = loop.create_task(asyncio.wait_for(reply, LATENCY))
        await asyncio.sleep(0)  # wait_for registers its timeout first
        serving = loop.create_task(server(reply))
        try:
            await waiting
        except asyncio.TimeoutError:
            return "timeout"
        finally:
            await serving
    return "ok"


class VirtualClockLoop(asyncio.SelectorEventLoop):
    """Time moves only when the loop would wait, by exactly the wait."""

    def __init__(self):
        super().__init__(selectors.DefaultSelector())
        self._virtual_now = 0.0
        real_select = self._selector.select

        def select(timeout=None):
            events = real_select(0)
            if not events and timeout is not None and timeout > 0:
                self._virtual_now += timeout
            return events

        self._selector.select = select

    def time(self):
        return self._virtual_now


def count_timeouts(make_loop, server_first, runs=200):
    timeouts = 0
    for _ in range(runs):
        loop = make_loop()
        try:
            if loop.run_until_complete(client(server_first)) == "timeout":
                timeouts += 1
        finally:
            loop.close()
    return timeouts


def main():
    assert sys.version_info[:2] == (3, 11), sys.version
    real = count_timeouts(asyncio.new_event_loop, server_first=True)
    virtual = count_timeouts(VirtualClockLoop, server_first=True)
    control = count_timeouts(VirtualClockLoop, server_first=False)
    print(f"real clock: {real} timeouts in 200 runs")
    print(f"virtual clock: {virtual} timeouts in 200 runs")
    print(f"virtual clock, timeout registered first: {control} timeouts in 200 runs")
    return 0 if real == 0 and virtual == 0 and control == 200 else 1


if __name__ == "__main__":
    sys.exit(main())
