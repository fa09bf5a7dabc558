# CPython 3.11 program behind Seed004.HelloWorldQueueAlternatesThroughCallSoon (tests/examples/README.md).
from queue import Queue
from functools import partial

eventloop = None
ROUNDS = 3

class EventLoop(Queue):
    def start(self):
        while not self.empty():  # bounded: the original loops forever (while True)
            function = self.get()
            function()

rounds = 0
def do_hello():
    global eventloop, rounds
    print("hello")
    eventloop.put(do_world)

def do_world():
    global rounds
    print("World")
    rounds += 1
    if rounds < ROUNDS:
        eventloop.put(do_hello)

if __name__ == "__main__":
    eventloop = EventLoop()
    eventloop.put(do_hello)
    eventloop.start()
