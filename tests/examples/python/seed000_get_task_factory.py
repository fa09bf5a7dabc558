# CPython 3.11 program behind Seed000.GetTaskFactoryIsUnsetByDefault (tests/examples/README.md).
import asyncio

# 获取当前事件循环的任务工厂
current_task_factory = asyncio.get_event_loop().get_task_factory()

if current_task_factory:
    print("Current task factory:", current_task_factory)
else:
    print("No custom task factory is set for the current event loop.")
