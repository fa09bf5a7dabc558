# CPython 3.11 program behind Seed000.SetTaskFactoryMakesCreateTaskUseTheCustomClass (tests/examples/README.md).
import asyncio

class MyCustomTask(asyncio.Task):
    def __init__(self, coro, *, loop=None):
        super().__init__(coro, loop=loop)
        print(f"MyCustomTask created: {self.get_name()}")

def my_task_factory(loop, coro):
    return MyCustomTask(coro, loop=loop)

async def work():
    return 42

loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
loop.set_task_factory(my_task_factory)
print(loop.get_task_factory() is my_task_factory)
task = loop.create_task(work())
print(type(task).__name__)
print(loop.run_until_complete(task))
loop.set_task_factory(None)
print(type(loop.create_task(work())).__name__)
loop.run_until_complete(asyncio.sleep(0))
loop.close()
