#!/usr/bin/env python3
"""The echo workload (tools/bench/echo/echo_params.h) on CPython's asyncio
or on uvloop, in three styles:

  --style=protocol  Protocol callbacks (create_server / create_connection,
                    data_received -> transport.write)
  --style=streams   streams coroutines (start_server / open_connection,
                    reader.read / readexactly, writer.write + drain)
  --style=sock      loop.sock_recv / sock_sendall coroutines on
                    non-blocking sockets (seedloop_echo's style)

  python3 asyncio_echo.py --loop=uvloop --style=streams
  -> uvloop streams round_trips_per_s: N

uvloop: Debian's python3-uvloop imports only under /usr/bin/python3.11.
One process, one thread, one loop; TCP_NODELAY on every socket (asyncio
sets it on TCP transports itself; set again here for uvloop and sock).
The clock starts when every client is connected.
"""

import argparse
import asyncio
import socket
import sys
import time

MAX_PAYLOAD = 65536


def nodelay(sock):
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class ServerProtocol(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport
        nodelay(transport.get_extra_info("socket"))

    def data_received(self, data):
        self.transport.write(data)


class ClientProtocol(asyncio.Protocol):
    def __init__(self, payload, round_trips, done):
        self.payload = payload
        self.round_trips = round_trips
        self.done = done
        self.received = 0
        self.completed = 0

    def connection_made(self, transport):
        self.transport = transport
        nodelay(transport.get_extra_info("socket"))

    def start(self):
        self.transport.write(self.payload)

    def data_received(self, data):
        self.received += len(data)
        if self.received < len(self.payload):
            return
        self.received = 0
        self.completed += 1
        if self.completed < self.round_trips:
            self.transport.write(self.payload)
        else:
            self.transport.close()
            self.done.set_result(None)


async def run_protocol(loop, args, payload):
    server = await loop.create_server(ServerProtocol, "127.0.0.1", 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    clients = []
    for _ in range(args.connections):
        done = loop.create_future()
        _, protocol = await loop.create_connection(
            lambda done=done: ClientProtocol(payload, args.round_trips, done), "127.0.0.1", port)
        clients.append(protocol)
    start = time.perf_counter()
    for c in clients:
        c.start()
    await asyncio.gather(*(c.done for c in clients))
    elapsed = time.perf_counter() - start
    server.close()
    await server.wait_closed()
    return elapsed


async def run_streams(loop, args, payload):
    async def serve(reader, writer):
        nodelay(writer.get_extra_info("socket"))
        while data := await reader.read(MAX_PAYLOAD):
            writer.write(data)
            await writer.drain()
        writer.close()

    async def client(reader, writer):
        for _ in range(args.round_trips):
            writer.write(payload)
            await writer.drain()
            await reader.readexactly(len(payload))
        writer.close()
        await writer.wait_closed()

    server = await asyncio.start_server(serve, "127.0.0.1", 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    conns = []
    for _ in range(args.connections):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        nodelay(writer.get_extra_info("socket"))
        conns.append((reader, writer))
    start = time.perf_counter()
    await asyncio.gather(*(client(r, w) for r, w in conns))
    elapsed = time.perf_counter() - start
    server.close()
    await server.wait_closed()
    return elapsed


async def run_sock(loop, args, payload):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1024)
    listener.setblocking(False)

    async def serve(conn):
        while data := await loop.sock_recv(conn, MAX_PAYLOAD):
            await loop.sock_sendall(conn, data)
        conn.close()

    async def accept_all():
        for _ in range(args.connections):
            conn, _ = await loop.sock_accept(listener)
            conn.setblocking(False)
            nodelay(conn)
            servers.append(loop.create_task(serve(conn)))

    async def client(sock):
        for _ in range(args.round_trips):
            await loop.sock_sendall(sock, payload)
            got = 0
            while got < len(payload):
                got += len(await loop.sock_recv(sock, MAX_PAYLOAD))
        sock.close()

    servers = []
    accepting = loop.create_task(accept_all())
    clients = []
    for _ in range(args.connections):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        await loop.sock_connect(sock, listener.getsockname())
        nodelay(sock)
        clients.append(sock)
    start = time.perf_counter()
    await asyncio.gather(*(client(s) for s in clients))
    elapsed = time.perf_counter() - start
    await accepting
    await asyncio.gather(*servers)
    listener.close()
    return elapsed


STYLES = {"protocol": run_protocol, "streams": run_streams, "sock": run_sock}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    parser.add_argument("--style", choices=sorted(STYLES), default="protocol")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--round_trips", type=int, default=5000)
    parser.add_argument("--payload", type=int, default=64)
    args = parser.parse_args()
    if not (0 < args.payload <= MAX_PAYLOAD and 0 < args.connections <= 10000 and args.round_trips > 0):
        parser.error("--payload 1..65536, --connections 1..10000, --round_trips > 0")
    if args.loop == "uvloop":
        import uvloop  # Debian: /usr/bin/python3.11 only
        loop = uvloop.new_event_loop()
    else:
        loop = asyncio.SelectorEventLoop()
    payload = b"x" * args.payload
    try:
        elapsed = loop.run_until_complete(STYLES[args.style](loop, args, payload))
    finally:
        loop.close()
    rate = args.connections * args.round_trips / elapsed
    print(f"{args.loop} {args.style} round_trips_per_s: {rate:.0f}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
