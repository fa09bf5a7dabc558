# CPython 3.11 program behind Seed003.SameProgramOnSeedloop (tests/examples/README.md).
import asyncio

async def countdown(name, n):
    while n > 0:
        print(f"{name}: {n}")
        await asyncio.sleep(0)  # give the turn back to the loop
        n -= 1
    return f"{name} done"

async def main():
    t1 = asyncio.create_task(countdown("A", 2))
    t2 = asyncio.create_task(countdown("B", 3))
    r1 = await t1
    r2 = await t2
    r3 = await countdown("C", 1)
    print(r1, r2, r3)
    return "main done"

loop = asyncio.new_event_loop()
print(loop.run_until_complete(main()))
loop.close()
