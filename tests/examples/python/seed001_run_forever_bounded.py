# CPython 3.11 program behind Seed001.RunForeverRunsACreatedTaskUntilStopped (tests/examples/README.md).
import asyncio

async def main():
    print("Running...")

loop = asyncio.get_event_loop()
loop.create_task(main())
loop.call_later(1, loop.stop)  # added: the original runs forever
loop.run_forever()
