# CPython 3.11 program behind Seed004Server.ServeForeverUntilCancelled
# (tests/examples/README.md): the seed's client_connected / start_server /
# serve_forever example, with a client that sends one line, and the handler
# cancelling serve_forever so the program ends.
import asyncio

async def main(host, port):
    serving = None

    async def client_connected(reader, writer):
        # Communicate with the client with
        # reader/writer streams.  For example:
        line = await reader.readline()
        print('client_connected read', line)
        writer.write(b'bye\n')
        await writer.drain()
        writer.close()
        await writer.wait_closed()
        serving.cancel()

    srv = await asyncio.start_server(client_connected, host, port)
    port = srv.sockets[0].getsockname()[1]

    async def client():
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(b'hello\n')
        await writer.drain()
        print('client read', await reader.read())
        writer.close()
        await writer.wait_closed()

    client_task = asyncio.create_task(client())
    serving = asyncio.ensure_future(srv.serve_forever())
    try:
        await serving
    except asyncio.CancelledError:
        print('serve_forever cancelled; is_serving:', srv.is_serving())
    await client_task

asyncio.run(main('127.0.0.1', 0))
