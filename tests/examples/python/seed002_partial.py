# CPython 3.11 program behind Seed002.CallSoonWithBoundArguments (tests/examples/README.md).
import asyncio, functools
loop = asyncio.new_event_loop()
# will schedule "print("Hello", flush=True)"
loop.call_soon(
    functools.partial(print, "Hello", flush=True))
loop.call_soon(loop.stop)
loop.run_forever()
loop.close()
