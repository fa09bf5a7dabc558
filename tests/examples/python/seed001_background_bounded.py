# CPython 3.11 program behind Seed001.LoopInABackgroundThreadStoppedThreadsafe (tests/examples/README.md).
import asyncio
import threading

ITERATIONS = 3
reached = threading.Event()
count = 0

async def background_task():
    global count
    while True:
        print("Background task running...")
        count += 1
        if count == ITERATIONS:
            reached.set()
        await asyncio.sleep(1)

loop = None
def start_background_task():
    global loop
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    
    try:
        # 创建任务
        task = loop.create_task(background_task())
        loop.run_forever()
    finally:
        loop.close()
    print("loop closed; task done:", task.done())

# 在单独的线程中运行
thread = threading.Thread(target=start_background_task)
thread.start()
reached.wait()
loop.call_soon_threadsafe(loop.stop)
thread.join()
print("thread joined")
