// Streams: asyncio's open_connection, start_server, open_unix_connection
// and start_unix_server (CPython 3.11 Lib/asyncio/streams.py), on the
// running loop.
//
//   Coro<void> handle(std::shared_ptr<StreamReader> reader, std::shared_ptr<StreamWriter> writer) {
//     std::string line = co_await reader->readline();
//     writer->write(line);
//     co_await writer->drain();
//     writer->close();
//     co_await writer->wait_closed();
//   }
//   std::shared_ptr<Server> server = co_await start_server(handle, "127.0.0.1", 8888);
//
//   Streams s = co_await open_connection("127.0.0.1", 8888);
//   s.writer->write("hello\n");
//   std::string echoed = co_await s.reader->readline();
//
// `limit` is each StreamReader's limit (loop/net/stream_reader.h). The
// options are create_connection's / create_server's (server_options.h).
// Errors are those of the loop methods (ConnectionRefusedError, ...).
// Must be called from a coroutine running on a loop (get_running_loop()).
//
// Threads: the running loop's thread.

#ifndef SEEDLOOP_LOOP_NET_STREAMS_H_
#define SEEDLOOP_LOOP_NET_STREAMS_H_

#include <cstddef>
#include <memory>
#include <string>

#include "loop/coro.h"
#include "loop/net/server.h"
#include "loop/net/server_options.h"
#include "loop/net/stream_reader.h"
#include "loop/net/stream_writer.h"

namespace seedloop {

// open_connection's (reader, writer).
struct Streams {
  std::shared_ptr<StreamReader> reader;
  std::shared_ptr<StreamWriter> writer;
};

Coro<Streams> open_connection(std::string host, int port, size_t limit = StreamReader::kDefaultLimit,
                              ConnectionOptions options = {});
Coro<std::shared_ptr<Server>> start_server(ClientConnected client_connected, std::string host, int port,
                                           size_t limit = StreamReader::kDefaultLimit, ServerOptions options = {});
Coro<Streams> open_unix_connection(std::string path, size_t limit = StreamReader::kDefaultLimit);
Coro<std::shared_ptr<Server>> start_unix_server(ClientConnected client_connected, std::string path,
                                                size_t limit = StreamReader::kDefaultLimit,
                                                ServerOptions options = {});

}  // namespace seedloop

#endif  // SEEDLOOP_LOOP_NET_STREAMS_H_
