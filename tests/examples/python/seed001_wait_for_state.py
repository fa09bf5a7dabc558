# CPython 3.11 program behind Seed001HighLevel.WaitForTimeoutCancelsTheTaskBeforeRaising (tests/examples/README.md).
import asyncio

async def long_operation():
    try:
        await asyncio.sleep(10)
        return "Operation completed"
    except asyncio.CancelledError:
        print("Operation was cancelled")
        raise

async def main():
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    task = asyncio.create_task(long_operation())
    try:
        result = await asyncio.wait_for(task, timeout=5)
    except asyncio.TimeoutError:
        print("Operation timed out")
        # wait_for has already cancelled the task and waited for it:
        print(task.done(), task.cancelled(), f"{loop.time() - t0:.1f}")
        print(task.cancel())  # 取消任务: too late, it is done
        try:
            await task  # 等待任务真正结束
        except asyncio.CancelledError:
            print("await task: CancelledError")
        print(asyncio.current_task().cancelling())

asyncio.run(main())
