# CPython 3.11 program behind Seed001.LoopCreateTaskThenRunUntilComplete (tests/examples/README.md).
import asyncio

async def say_hello():
    print("Hello")
    await asyncio.sleep(1)
    print("World")

loop = asyncio.get_event_loop()
task = loop.create_task(say_hello())
loop.run_until_complete(task)
