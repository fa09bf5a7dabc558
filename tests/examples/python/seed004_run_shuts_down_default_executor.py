# CPython 3.11 program behind Seed004HighLevel.RunShutsDownTheDefaultExecutor (tests/examples/README.md).
import asyncio
import concurrent.futures
import threading

def blocking_io():
    with open('/dev/urandom', 'rb') as f:
        return threading.current_thread() is not threading.main_thread(), len(f.read(100))

pool = concurrent.futures.ThreadPoolExecutor()

async def main():
    loop = asyncio.get_running_loop()
    loop.set_default_executor(pool)
    print('default thread pool', await loop.run_in_executor(None, blocking_io))
    print('shut down in main:', pool._shutdown)

asyncio.run(main())  # ... loop.shutdown_default_executor(); loop.close()
print('shut down after asyncio.run:', pool._shutdown)
try:
    pool.submit(blocking_io)
except RuntimeError as e:
    print('RuntimeError:', e)
