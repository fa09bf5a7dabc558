# CPython 3.11 program behind Seed000.CallLaterRunsTheCallbackAfterTheDelay and Seed000HighLevel.CallLaterRunsTheCallbackAfterTheDelayUnderRun (tests/examples/README.md).
import asyncio

def my_callback(arg1, arg2):
    print(f"Callback called with arguments: {arg1}, {arg2}")

async def main():
    loop = asyncio.get_event_loop()
    loop.call_later(2, my_callback, "Hello", "World")
    await asyncio.sleep(3)  # 等待足够的时间以确保回调函数执行

if __name__ == "__main__":
    asyncio.run(main())
