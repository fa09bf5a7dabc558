# CPython 3.11 program behind Seed001Protocol.MyProtocolFutureGetsTheFirstData
# (tests/examples/README.md). The seed gives MyProtocol only; the server that
# greets and the connection around it complete the example.
import asyncio

class MyProtocol(asyncio.Protocol):
    def __init__(self):
        self.future = asyncio.Future()

    def data_received(self, data):
        # 当收到数据时，设置 Future 的结果
        self.future.set_result(data)

async def greet(reader, writer):
    writer.write(b'hello from the server')
    await writer.drain()
    writer.close()
    await writer.wait_closed()

async def main():
    loop = asyncio.get_running_loop()
    server = await asyncio.start_server(greet, '127.0.0.1', 0)
    port = server.sockets[0].getsockname()[1]
    transport, protocol = await loop.create_connection(MyProtocol, '127.0.0.1', port)
    print('future done before data:', protocol.future.done())
    data = await protocol.future
    print('data_received:', data)
    transport.close()
    server.close()
    await server.wait_closed()

asyncio.run(main())
