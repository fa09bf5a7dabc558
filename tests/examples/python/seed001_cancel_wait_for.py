# CPython 3.11 program behind Seed001.CancelledTaskSeesCancelledErrorAndItsAwaiterToo and Seed001HighLevel.WaitForTimesOutAndCancelsTheTask (tests/examples/README.md).
import asyncio

async def long_operation():
    try:
        await asyncio.sleep(10)
        return "Operation completed"
    except asyncio.CancelledError:
        print("Operation was cancelled")
        raise

async def main():
    # 创建任务
    task = asyncio.create_task(long_operation())
    
    try:
        # 设置超时
        result = await asyncio.wait_for(task, timeout=5)
    except asyncio.TimeoutError:
        print("Operation timed out")
        task.cancel()  # 取消任务
        try:
            await task  # 等待任务真正结束
        except asyncio.CancelledError:
            pass

asyncio.run(main())
