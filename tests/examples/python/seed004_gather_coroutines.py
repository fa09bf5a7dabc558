# CPython 3.11 program behind Seed004HighLevel.GatherOfCoroutinesRunsThemAsTasks (tests/examples/README.md).
import asyncio

async def do_some_work(x):
    print("Waiting", x)
    await asyncio.sleep(x)
    print("Done after", x)
    return x

loop = asyncio.get_event_loop()
t0 = loop.time()

print(loop.run_until_complete(asyncio.gather(do_some_work(1), do_some_work(3))))
print(f"{loop.time() - t0:.1f}")
loop.close()
