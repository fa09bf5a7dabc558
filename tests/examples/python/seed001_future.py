# CPython 3.11 program behind Seed001.FutureSetByAnotherTaskWakesItsAwaiter and Seed001HighLevel.FutureSetByAnotherTaskWakesItsAwaiterUnderRun (tests/examples/README.md).
import asyncio

# 模拟一个低级操作，直接使用 Future
async def low_level_operation():
    # 创建 Future 对象
    future = asyncio.Future()
    
    # 模拟异步操作
    async def set_result_later():
        await asyncio.sleep(2)  # 模拟耗时操作
        future.set_result('操作完成')
    
    # 启动异步操作
    asyncio.create_task(set_result_later())
    
    # 等待结果
    result = await future
    return result

# 对比：更常见的高级方式（使用 async/await）
async def high_level_operation():
    await asyncio.sleep(2)
    return '操作完成'

# 运行示例
async def main():
    # 使用低级 Future
    result1 = await low_level_operation()
    print(f"低级操作结果: {result1}")
    
    # 使用高级 async/await
    result2 = await high_level_operation()
    print(f"高级操作结果: {result2}")

asyncio.run(main())
