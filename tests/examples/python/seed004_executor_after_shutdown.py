# CPython 3.11 program behind Seed004.RunInCustomThreadPoolExecutor (tests/examples/README.md).
import asyncio, concurrent.futures
async def main():
    loop = asyncio.get_running_loop()
    with concurrent.futures.ThreadPoolExecutor() as pool:
        print(await loop.run_in_executor(pool, lambda: 1))
    try:
        loop.run_in_executor(pool, lambda: 1)
    except RuntimeError as e:
        print('RuntimeError:', e)
asyncio.run(main())
