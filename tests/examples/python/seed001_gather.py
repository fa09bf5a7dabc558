# CPython 3.11 program behind Seed001.SeveralTasksRunConcurrentlyAndAreAwaitedInTurn and Seed001HighLevel.GatherOfSeveralTasks (tests/examples/README.md).
import asyncio

async def task_func(name, delay):
    await asyncio.sleep(delay)
    return f"Task {name} done"

async def main():
    # 创建多个任务
    tasks = [
        asyncio.create_task(task_func("A", 2)),
        asyncio.create_task(task_func("B", 1)),
        asyncio.create_task(task_func("C", 3))
    ]
    
    # 等待所有任务完成
    results = await asyncio.gather(*tasks)
    print(results)

asyncio.run(main())
