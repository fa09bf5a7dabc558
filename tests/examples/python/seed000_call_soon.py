# CPython 3.11 program behind Seed000.CallSoonRunsTheCallbackInTheNextIteration and Seed000HighLevel.CallSoonRunsTheCallbackInTheNextIterationUnderRun (tests/examples/README.md).
import asyncio

def my_callback(arg1, arg2):
    print(f"Callback called with arguments: {arg1}, {arg2}")

async def main():
    loop = asyncio.get_event_loop()
    
    # 使用 loop.call_soon() 调度回调函数立即执行
    loop.call_soon(my_callback, "Hello", "World")

    await asyncio.sleep(0.1)  # 等待一小段时间以确保回调函数执行

if __name__ == "__main__":
    asyncio.run(main())
