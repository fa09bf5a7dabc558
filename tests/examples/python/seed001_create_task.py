# CPython 3.11 program behind Seed001.CreateTaskThenAwaitItsResult and Seed001HighLevel.CreateTaskThenAwaitItsResultUnderRun (tests/examples/README.md).
import asyncio

async def say_hello():
    await asyncio.sleep(1)
    print("Hello!")
    return "Hello Done"

async def main():
    # 创建任务
    task = asyncio.create_task(say_hello())
    
    # 等待任务完成
    result = await task
    print(f"Result: {result}")

# 运行
asyncio.run(main())
