# CPython 3.11 program behind Seed002HighLevel.RunClosesAPausedGeneratorItself (tests/examples/README.md).
import asyncio

async def ticker(n):
    try:
        for i in range(n):
            await asyncio.sleep(1)
            yield i
    finally:
        print("ticker: cleanup")
        await asyncio.sleep(0.5)
        print("ticker: closed")

gen = None

async def main():
    global gen
    gen = ticker(10)
    async for i in gen:
        print("tick", i)
        if i == 2:
            break  # leaves gen paused at its yield
    print("main done")

asyncio.run(main())  # 当使用 asyncio.run() 时，无需调用 shutdown_asyncgens()
print("after asyncio.run")
