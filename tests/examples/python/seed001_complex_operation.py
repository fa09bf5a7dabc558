# CPython 3.11 program behind Seed001.DoneCallbacksSetAFutureWhenAllTasksAreDone (tests/examples/README.md).
import asyncio

counter = 0
async def some_task():
    global counter
    counter += 1
    n = counter
    await asyncio.sleep(n)
    return n * 10

async def complex_operation():
    future = asyncio.Future()
    
    # 创建多个任务
    tasks = [
        asyncio.create_task(some_task())
        for _ in range(3)
    ]
    
    # 当所有任务完成时设置 future 结果
    def done_callback(_):
        if all(t.done() for t in tasks):
            results = [t.result() for t in tasks]
            future.set_result(results)
    
    for task in tasks:
        task.add_done_callback(done_callback)
    
    return await future

async def main():
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    print(await complex_operation())
    print(loop.time() - t0)

asyncio.run(main())
