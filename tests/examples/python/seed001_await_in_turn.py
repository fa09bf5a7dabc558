# CPython 3.11 program behind Seed001.SeveralTasksRunConcurrentlyAndAreAwaitedInTurn (tests/examples/README.md).
import asyncio

async def task_func(name, delay):
    await asyncio.sleep(delay)
    return f"Task {name} done"

async def main():
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    tasks = [
        asyncio.create_task(task_func("A", 2)),
        asyncio.create_task(task_func("B", 1)),
        asyncio.create_task(task_func("C", 3))
    ]
    results = [await t for t in tasks]
    print(results)
    print(f"{loop.time() - t0:.2f}")

asyncio.run(main())
