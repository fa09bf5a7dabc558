# CPython 3.11 program behind Seed001.LoopTimeDoesNotMoveOutsideThePoller (tests/examples/README.md).
import asyncio

loop = asyncio.get_event_loop()
start = loop.time()
# 执行一些操作
end = loop.time()
print(f"Elapsed time: {end - start} seconds")
