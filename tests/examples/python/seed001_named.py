# CPython 3.11 program behind Seed001.NamedTaskReportsItsName and Seed001HighLevel.NamedTaskReportsItsNameUnderRun (tests/examples/README.md).
import asyncio

async def named_task():
    await asyncio.sleep(1)
    return "Task completed"

async def main():
    # 创建带名字的任务
    task = asyncio.create_task(
        named_task(),
        name="my_special_task"
    )
    
    print(f"Task name: {task.get_name()}")
    result = await task
    print(result)

asyncio.run(main())
