# CPython 3.11 program behind Seed001.StopFromATaskEndsRunForever (tests/examples/README.md).
import asyncio

async def main():
    print("Stopping loop...")
    loop.stop()

loop = asyncio.get_event_loop()
loop.create_task(main())
loop.run_forever()
print(loop.is_running(), loop.is_closed())
loop.close()
print(loop.is_running(), loop.is_closed())
