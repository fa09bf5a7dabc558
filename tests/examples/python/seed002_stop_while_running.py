# CPython 3.11 program behind Seed002.StopLetsTheCurrentBatchFinishAndCloseIsFinal (tests/examples/README.md).
import asyncio
loop = asyncio.new_event_loop()
def a():
    print("a: calls stop()")
    loop.stop()
    loop.call_soon(print, "scheduled by a")
def b():
    print("b: same batch, still runs")
loop.call_soon(a)
loop.call_soon(b)
loop.run_forever()
print("--- run_forever returned")
loop.call_soon(loop.stop)
loop.run_forever()
loop.close()
print(loop.is_closed())
loop.close()  # idempotent
print(loop.is_closed())
try:
    loop.run_forever()
except RuntimeError as e:
    print("RuntimeError:", e)
