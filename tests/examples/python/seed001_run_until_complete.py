# CPython 3.11 program behind Seed001.RunUntilCompleteOfACoroutine (tests/examples/README.md).
import asyncio

async def main():
    print("Hello, World!")

loop = asyncio.get_event_loop()
loop.run_until_complete(main())
