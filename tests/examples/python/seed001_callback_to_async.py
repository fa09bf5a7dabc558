# CPython 3.11 program behind Seed001.CallbackBecomesAwaitableThroughAFuture (tests/examples/README.md).
import asyncio

async def callback_to_async(callback_based_func):
    future = asyncio.Future()
    
    def callback(result):
        # 当回调发生时，设置 Future 的结果
        future.set_result(result)
    
    # 使用回调函数
    callback_based_func(callback)
    
    # 等待结果
    return await future

def fetch_with_callback(callback):
    asyncio.get_running_loop().call_later(1, callback, "data")

async def main():
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    print(await callback_to_async(fetch_with_callback))
    print(loop.time() - t0)

asyncio.run(main())
