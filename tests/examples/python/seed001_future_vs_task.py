# CPython 3.11 program behind Seed001.FutureIsSetByHandTaskSetsItself (tests/examples/README.md).
import asyncio
# Future 使用
future = asyncio.Future()
future.set_result(42)  # 手动设置结果

# Task 使用
async def coro():
    return 42
task = asyncio.create_task(coro())  # 自动执行并设置结果
