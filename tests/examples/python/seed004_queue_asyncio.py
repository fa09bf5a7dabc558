# CPython 3.11 program behind Seed004.HelloWorldQueueAlternatesThroughCallSoon (tests/examples/README.md).
import asyncio
rounds = 0
def do_hello(loop):
    print("hello")
    loop.call_soon(do_world, loop)

def do_world(loop):
    global rounds
    print("World")
    rounds += 1
    if rounds < 3:
        loop.call_soon(do_hello, loop)
    else:
        loop.stop()

loop = asyncio.new_event_loop()
loop.call_soon(do_hello, loop)
loop.run_forever()
loop.close()
