# CPython 3.11 program behind Seed001HighLevel.RunCancelsTheTasksMainLeftRunning (tests/examples/README.md).
import asyncio

async def background_task():
    try:
        while True:
            print("Background task running...")
            await asyncio.sleep(1)
    except asyncio.CancelledError:
        print("Background task cancelled")
        raise

async def main():
    asyncio.create_task(background_task())
    await asyncio.sleep(2.5)
    print("main done")

asyncio.run(main())
print("after asyncio.run")
