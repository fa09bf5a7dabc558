# CPython 3.11 program behind Seed002.StopBeforeRunForeverRunsOneIteration (tests/examples/README.md).
import asyncio
loop = asyncio.new_event_loop()
def cb(name):
    print(name)
    loop.call_soon(print, f"{name}'s follow-up")
loop.call_soon(cb, "first")
loop.call_soon(cb, "second")
loop.stop()
loop.run_forever()   # one iteration: first, second
print("--- run_forever returned")
loop.call_soon(loop.stop)
loop.run_forever()   # the follow-ups run now
loop.close()
