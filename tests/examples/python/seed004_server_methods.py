# CPython 3.11 program behind Seed004Server.ServerMethodsAndAsyncWith
# (tests/examples/README.md): the seed's Server methods (get_loop,
# start_serving, is_serving, sockets, close, wait_closed) and
# `async with srv:`, after which srv no longer accepts connections.
import asyncio

async def main():
    loop = asyncio.get_running_loop()
    srv = await loop.create_server(asyncio.Protocol, '127.0.0.1', 0, start_serving=False)
    port = srv.sockets[0].getsockname()[1]
    print('get_loop() is loop:', srv.get_loop() is loop)
    print('is_serving before start_serving:', srv.is_serving())
    async with srv:
        await srv.start_serving()
        print('is_serving in async with:', srv.is_serving())
        print('sockets:', len(srv.sockets))
        reader, writer = await asyncio.open_connection('127.0.0.1', port)
        print('a client connected')
        writer.close()
        await writer.wait_closed()
    # At this point, srv is closed and no longer accepts new connections.
    print('is_serving after async with:', srv.is_serving())
    try:
        await asyncio.open_connection('127.0.0.1', port)
    except ConnectionRefusedError as e:
        print('connecting again:', type(e).__name__)
    await srv.wait_closed()
    print('wait_closed returned')

asyncio.run(main())
