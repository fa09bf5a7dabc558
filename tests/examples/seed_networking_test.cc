// The networking examples of seeds 001 and 004, ported to seedloop and run
// on real loopback sockets (the production backend: networking has no
// simulated backend yet). Each test quotes the Python original and asserts
// exactly what CPython 3.11 printed (tests/examples/python/, named below).
//
// Seed 004's `SelectorEventLoop(selectors.SelectSelector())` example is
// tests/real/selector_event_loop_test.cc (Seed004HelloWorldOnASelectSelectorLoop),
// and the README's networking example runs sock_* on that loop
// (tests/net/readme_example_test.cc). Its run_in_executor example with
// blocking I/O is seed004_test.cc (RunInDefaultExecutorOnTheProductionBackend).

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "gtest/gtest.h"
#include "loop/errors.h"
#include "loop/event_loop.h"
#include "loop/net/protocols.h"
#include "loop/net/server.h"
#include "loop/net/streams.h"
#include "loop/policy.h"
#include "tests/examples/example_support.h"

namespace seedloop::examples {
namespace {

// The port a server listens on (server.sockets[0].getsockname()[1]).
int port_of(EventLoop& loop, const Server& server) {
  return loop.socket_ops().getsockname(server.sockets().at(0))->port();
}

// Runs `main` on a new production loop, as asyncio.run would, bounded.
void run_on_new_loop(Coro<void> main) {
  std::shared_ptr<EventLoop> loop = new_event_loop();
  set_event_loop(loop);
  TimerHandle bound = loop->call_later(10.0, [&] {
    ADD_FAILURE() << "the example did not end in 10 s";
    loop->stop();  // run_until_complete then raises: the test ends
  });
  loop->run_until_complete(std::move(main));
  bound.cancel();
  loop->close();
  set_event_loop(nullptr);
}

// ---- Seed 001, "Future 的实际应用场景 1. 实现自定义协议" ----
//
//   class MyProtocol(asyncio.Protocol):
//       def __init__(self):
//           self.future = asyncio.Future()
//       def data_received(self, data):
//           # 当收到数据时，设置 Future 的结果
//           self.future.set_result(data)
//
// The seed stops there; python/seed001_my_protocol.py completes it with a
// server that greets and closes, and a connection made with MyProtocol:
//   transport, protocol = await loop.create_connection(MyProtocol, '127.0.0.1', port)
//   print('future done before data:', protocol.future.done())
//   data = await protocol.future
//   print('data_received:', data)
// python3 prints:
//   future done before data: False
//   data_received: b'hello from the server'
class MyProtocol : public Protocol {
 public:
  explicit MyProtocol(EventLoop& loop) : future(loop.create_future<std::string>()) {}

  void data_received(std::string_view data) override {
    // 当收到数据时，设置 Future 的结果
    future.set_result(std::string(data));
  }

  Future<std::string> future;
};

Coro<void> greet(std::shared_ptr<StreamReader> reader, std::shared_ptr<StreamWriter> writer) {
  (void)reader;
  writer->write("hello from the server");
  co_await writer->drain();
  writer->close();
  co_await writer->wait_closed();
}

Coro<void> my_protocol_main(Lines& out) {
  std::shared_ptr<EventLoop> loop = get_running_loop();
  Coro<std::shared_ptr<Server>> starting = start_server(greet, "127.0.0.1", 0);
  std::shared_ptr<Server> server = co_await std::move(starting);
  int port = port_of(*loop, *server);
  ProtocolFactory factory = [&loop] { return std::make_shared<MyProtocol>(*loop); };
  Coro<TransportAndProtocol> connecting = loop->create_connection(factory, "127.0.0.1", port);
  auto [transport, base] = co_await std::move(connecting);
  auto protocol = std::static_pointer_cast<MyProtocol>(base);
  out.push_back(std::string("future done before data: ") + (protocol->future.done() ? "True" : "False"));
  std::string data = co_await protocol->future;
  out.push_back("data_received: " + py_bytes_repr(data));
  transport->close();
  server->close();
  co_await server->wait_closed();
}

TEST(Seed001Protocol, MyProtocolFutureGetsTheFirstData) {
  Lines out;
  run_on_new_loop(my_protocol_main(out));
  EXPECT_EQ(out, (Lines{"future done before data: False", "data_received: b'hello from the server'"}));
}

// ---- Seed 004, "Server对象": serve_forever ----
//
//   async def client_connected(reader, writer):
//       # Communicate with the client with
//       # reader/writer streams.  For example:
//       await reader.readline()
//   async def main(host, port):
//       srv = await asyncio.start_server(
//           client_connected, host, port)
//       await srv.serve_forever()
//   asyncio.run(main('127.0.0.1', 0))
//
// serve_forever never returns, so python/seed004_serve_forever.py adds a
// client that sends one line, and the handler answers and then cancels
// serve_forever (the added lines are marked "added" below):
//   client_connected read b'hello\n'
//   client read b'bye\n'
//   serve_forever cancelled; is_serving: False
struct ServeForeverExample {
  Lines out;
  std::optional<Task<void>> serving;  // added: what the handler cancels

  Coro<void> client_connected(std::shared_ptr<StreamReader> reader, std::shared_ptr<StreamWriter> writer) {
    std::string line = co_await reader->readline();
    out.push_back("client_connected read " + py_bytes_repr(line));
    writer->write("bye\n");  // added
    co_await writer->drain();
    writer->close();
    co_await writer->wait_closed();
    serving->cancel();
  }

  Coro<void> client(int port) {  // added
    Coro<Streams> connecting = open_connection("127.0.0.1", port);
    Streams s = co_await std::move(connecting);
    s.writer->write("hello\n");
    co_await s.writer->drain();
    std::string answer = co_await s.reader->read();
    out.push_back("client read " + py_bytes_repr(answer));
    s.writer->close();
    co_await s.writer->wait_closed();
  }

  Coro<void> main(std::string host, int port) {
    std::shared_ptr<EventLoop> loop = get_running_loop();
    ClientConnected handler = [this](std::shared_ptr<StreamReader> r, std::shared_ptr<StreamWriter> w) {
      return client_connected(std::move(r), std::move(w));
    };
    Coro<std::shared_ptr<Server>> starting = start_server(handler, host, port);
    std::shared_ptr<Server> srv = co_await std::move(starting);
    Task<void> client_task = loop->create_task(client(port_of(*loop, *srv)));
    serving = loop->create_task(srv->serve_forever());
    bool cancelled = false;
    try {
      co_await *serving;
    } catch (const CancelledError&) {
      cancelled = true;
    }
    if (cancelled) {
      out.push_back(std::string("serve_forever cancelled; is_serving: ") + (srv->is_serving() ? "True" : "False"));
    }
    co_await client_task;
  }
};

TEST(Seed004Server, ServeForeverUntilCancelled) {
  ServeForeverExample example;
  run_on_new_loop(example.main("127.0.0.1", 0));
  EXPECT_EQ(example.out, (Lines{"client_connected read b'hello\\n'", "client read b'bye\\n'",
                                "serve_forever cancelled; is_serving: False"}));
}

// ---- Seed 004, "Server对象": the methods, and `async with srv` ----
//
//   srv = await loop.create_server(...)
//   async with srv:
//       # some code
//   # At this point, srv is closed and no longer accepts new connections.
//
// with get_loop(), start_serving(), is_serving(), sockets and wait_closed()
// (python/seed004_server_methods.py). `async with srv:` is Server.__aexit__:
// close() then await wait_closed(); the C++ port spells those two out.
//   get_loop() is loop: True
//   is_serving before start_serving: False
//   is_serving in async with: True
//   sockets: 1
//   a client connected
//   is_serving after async with: False
//   connecting again: ConnectionRefusedError
//   wait_closed returned
const char* py_bool(bool b) { return b ? "True" : "False"; }

Coro<void> server_methods_main(Lines& out) {
  std::shared_ptr<EventLoop> loop = get_running_loop();
  ServerOptions options;
  options.start_serving = false;
  ProtocolFactory factory = [] { return std::make_shared<Protocol>(); };
  Coro<std::shared_ptr<Server>> creating = loop->create_server(factory, "127.0.0.1", 0, options);
  std::shared_ptr<Server> srv = co_await std::move(creating);
  int port = port_of(*loop, *srv);
  out.push_back(std::string("get_loop() is loop: ") + py_bool(srv->get_loop() == loop.get()));
  out.push_back(std::string("is_serving before start_serving: ") + py_bool(srv->is_serving()));
  {  // async with srv:
    co_await srv->start_serving();
    out.push_back(std::string("is_serving in async with: ") + py_bool(srv->is_serving()));
    out.push_back("sockets: " + std::to_string(srv->sockets().size()));
    Coro<Streams> connecting = open_connection("127.0.0.1", port);
    Streams s = co_await std::move(connecting);
    out.push_back("a client connected");
    s.writer->close();
    co_await s.writer->wait_closed();
    srv->close();  // __aexit__
    co_await srv->wait_closed();
  }
  // At this point, srv is closed and no longer accepts new connections.
  out.push_back(std::string("is_serving after async with: ") + py_bool(srv->is_serving()));
  std::string refused = "connected";
  try {
    Coro<Streams> again = open_connection("127.0.0.1", port);
    co_await std::move(again);
  } catch (const ConnectionRefusedError&) {
    refused = "ConnectionRefusedError";
  }
  out.push_back("connecting again: " + refused);
  co_await srv->wait_closed();
  out.push_back("wait_closed returned");
}

TEST(Seed004Server, ServerMethodsAndAsyncWith) {
  Lines out;
  run_on_new_loop(server_methods_main(out));
  EXPECT_EQ(out, (Lines{"get_loop() is loop: True", "is_serving before start_serving: False",
                        "is_serving in async with: True", "sockets: 1", "a client connected",
                        "is_serving after async with: False", "connecting again: ConnectionRefusedError",
                        "wait_closed returned"}));
}

}  // namespace
}  // namespace seedloop::examples
