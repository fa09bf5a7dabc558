# CPython 3.11 program behind Seed002HighLevel.ShutdownAsyncgensClosesAPausedGeneratorBeforeClose (tests/examples/README.md).
import asyncio

async def ticker(n):
    try:
        for i in range(n):
            await asyncio.sleep(1)
            yield i
    finally:
        print("ticker: cleanup")
        await asyncio.sleep(0.5)
        print(f"ticker: closed at {loop.time() - t0:.1f}")

gen = None

async def consume():
    global gen
    gen = ticker(10)
    async for i in gen:
        print("tick", i)
        if i == 2:
            break  # leaves gen paused at its yield
    loop.stop()

loop = asyncio.get_event_loop()
t0 = loop.time()
loop.create_task(consume())
try:
    loop.run_forever()
finally:
    print("shutdown_asyncgens")
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()
print("closed:", loop.is_closed())
