# CPython 3.11 program behind Seed001.RunMainOnANewLoop and Seed001HighLevel.RunMainOnANewLoop (tests/examples/README.md).
import asyncio

async def main():
    print("Hello, World!")

asyncio.run(main())
