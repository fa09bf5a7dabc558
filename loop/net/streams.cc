#include "loop/net/streams.h"

#include <utility>

#include "loop/policy.h"

namespace seedloop {

namespace {

// What open_connection / open_unix_connection share once connected.
Streams make_streams(EventLoop& loop, const TransportAndProtocol& connected,
                     const std::shared_ptr<StreamReader>& reader,
                     const std::shared_ptr<StreamReaderProtocol>& protocol) {
  return Streams{reader, std::make_shared<StreamWriter>(connected.first, protocol, reader, loop)};
}

ProtocolFactory server_factory(EventLoop& loop, ClientConnected client_connected, size_t limit) {
  return [&loop, client_connected = std::move(client_connected), limit] {
    auto reader = std::make_shared<StreamReader>(loop, limit);
    return std::make_shared<StreamReaderProtocol>(loop, reader, client_connected);
  };
}

}  // namespace

Coro<Streams> open_connection(std::string host, int port, size_t limit, ConnectionOptions options) {
  std::shared_ptr<EventLoop> loop = get_running_loop();
  auto reader = std::make_shared<StreamReader>(*loop, limit);
  auto protocol = std::make_shared<StreamReaderProtocol>(*loop, reader);
  Coro<TransportAndProtocol> connecting =
      loop->create_connection([protocol] { return protocol; }, std::move(host), port, options);
  TransportAndProtocol connected = co_await std::move(connecting);
  co_return make_streams(*loop, connected, reader, protocol);
}

Coro<std::shared_ptr<Server>> start_server(ClientConnected client_connected, std::string host, int port,
                                           size_t limit, ServerOptions options) {
  std::shared_ptr<EventLoop> loop = get_running_loop();
  Coro<std::shared_ptr<Server>> serving =
      loop->create_server(server_factory(*loop, std::move(client_connected), limit), std::move(host), port, options);
  std::shared_ptr<Server> server = co_await std::move(serving);
  co_return server;
}

Coro<Streams> open_unix_connection(std::string path, size_t limit) {
  std::shared_ptr<EventLoop> loop = get_running_loop();
  auto reader = std::make_shared<StreamReader>(*loop, limit);
  auto protocol = std::make_shared<StreamReaderProtocol>(*loop, reader);
  Coro<TransportAndProtocol> connecting =
      loop->create_unix_connection([protocol] { return protocol; }, std::move(path));
  TransportAndProtocol connected = co_await std::move(connecting);
  co_return make_streams(*loop, connected, reader, protocol);
}

Coro<std::shared_ptr<Server>> start_unix_server(ClientConnected client_connected, std::string path, size_t limit,
                                                ServerOptions options) {
  std::shared_ptr<EventLoop> loop = get_running_loop();
  Coro<std::shared_ptr<Server>> serving =
      loop->create_unix_server(server_factory(*loop, std::move(client_connected), limit), std::move(path), options);
  std::shared_ptr<Server> server = co_await std::move(serving);
  co_return server;
}

}  // namespace seedloop
