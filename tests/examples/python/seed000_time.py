# CPython 3.11 program behind Seed000.LoopTimeMeasuresAnAwaitedSleep and Seed000HighLevel.LoopTimeMeasuresAnAwaitedSleepUnderRun (tests/examples/README.md).
import asyncio

async def my_coroutine():
    start_time = asyncio.get_event_loop().time()
    await asyncio.sleep(1)
    end_time = asyncio.get_event_loop().time()
    elapsed_time = end_time - start_time
    print(f"Coroutine took {elapsed_time:.2f} seconds to complete")

async def main():
    await my_coroutine()

if __name__ == "__main__":
    asyncio.run(main())
