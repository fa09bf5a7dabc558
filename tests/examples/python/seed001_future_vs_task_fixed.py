# CPython 3.11 program behind Seed001.FutureIsSetByHandTaskSetsItself (tests/examples/README.md).
import asyncio
async def coro():
    return 42
async def main():
    future = asyncio.Future()
    future.set_result(42)  # 手动设置结果
    print(future.result())
    task = asyncio.create_task(coro())  # 自动执行并设置结果
    print(task.done())
    print(await task)
asyncio.run(main())
