# CPython 3.11 program behind Seed003.ToyLoopStepsGeneratorTasks (tests/examples/README.md).
class EventLoop:
    def __init__(self):
        self._ready = []
    
    # call_soon 将任务加入到任务队列中
    def call_soon(self, task):
        self._ready.append(task)

    def run_forever(self, coro):
        root = Task(coro, self)
        while self._ready:
            task = self._ready.pop(0)
            task.step(Future())
        return root.result


class Future:
    def __init__(self):
        # 自身是否执行完成
        self.done = False
        # 通过 result 来保存协程的返回值
        self.result = None
        # 通过 _callbacks 来保存回调函数
        self._callbacks = []

    def add_done_callback(self, callback):
        if not self.done:
            self._callbacks.append(callback)
        else:
            callback(self)

    def set_result(self, result):
        self.result = result
        self.done = True
        # 执行完成后将自身作为参数传递给回调函数
        for callback in self._callbacks:
            callback(self)

class Task(Future):
    # 协程类型
    coroutine = type((i for i in range(0)))

    def __init__(self, coro, loop):
        super().__init__()
        self.coro = coro
        self.loop = loop
        # 将自身加入任务队列
        self.loop.call_soon(self)

    def step(self, future):
        try:
            result = self.coro.send(future.result)
        except StopIteration as exc:
            # 触发 StopIteration 异常时说明协程已经执行结束
            self.set_result(exc.value)
        else:
            # 协程返回协程，将其转换为 Task
            if type(result) == self.coroutine:
                result = Task(result, self.loop)
            # 将 self.step 注册为 task 回调函数等待唤醒
            if isinstance(result, Task):
                result.add_done_callback(self.step)
            # 协程返回其他东西，不受理，直接将 self 再次放入任务队列
            else:
                self.loop.call_soon(self)

# ---- a program for the toy (the seed gives none) ----
loop = EventLoop()

def countdown(name, n):
    while n > 0:
        print(f"{name}: {n}")
        yield  # give the turn back to the loop
        n -= 1
    return f"{name} done"

def main():
    t1 = Task(countdown("A", 2), loop)
    t2 = Task(countdown("B", 3), loop)
    r1 = yield t1
    r2 = yield t2
    r3 = yield countdown("C", 1)
    print(r1, r2, r3)
    return "main done"

print(loop.run_forever(main()))
