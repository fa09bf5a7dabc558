# CPython 3.11 program behind Seed001.CancelledTaskSeesCancelledErrorAndItsAwaiterToo (tests/examples/README.md).
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
    loop.call_later(5, task.cancel)
    try:
        result = await task
    except asyncio.CancelledError:
        print("Operation timed out")
        print(task.cancelled(), task.cancel(), f"{loop.time() - t0:.1f}", asyncio.current_task().cancelling(), task.cancelling())

asyncio.run(main())
