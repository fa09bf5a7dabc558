// ChatRoom: a line-based chat server on seedloop's streams (the
// client_connected callback of start_server).
//
//   ChatRoom room;
//   std::shared_ptr<Server> server = co_await start_server(room.handler(), "127.0.0.1", 8888,
//                                                          room.options().max_line);
//   co_await server->serve_forever();
//
// The conversation, one line each way at a time ("\n"-terminated, a
// trailing "\r" is dropped):
//   server: * welcome; your name?
//   client: alice
//   (every other member)  * alice joined
//   client: hi
//   (every other member)  alice: hi
//   client closes        (every other member)  * alice left
//
// What a hostile or broken client gets, instead of costing the others:
//   - the room is full (max_clients members): "* the room is full", closed;
//   - an empty name or one in use: "* that name is taken", closed;
//   - a line longer than max_line: the StreamReader's limit refuses it
//     (asyncio's readline raises ValueError), "* line too long", closed;
//   - a member that stops reading: once its unsent output passes
//     max_backlog bytes it is aborted, rather than buffering without bound
//     or making the sender wait for it.
//
// Members are relayed to in the order they joined (a std::map by join
// number), so what every client sees is deterministic for a given order of
// arrivals.
//
// Threads: the loop's thread; one ChatRoom per loop, outliving its server.

#ifndef SEEDLOOP_EXAMPLES_CHAT_ROOM_H_
#define SEEDLOOP_EXAMPLES_CHAT_ROOM_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "loop/coro.h"
#include "loop/net/stream_reader.h"
#include "loop/net/stream_writer.h"

namespace seedloop::examples {

struct ChatOptions {
  size_t max_clients = 100;
  size_t max_line = 4096;          // the StreamReader limit start_server is given
  size_t max_backlog = 256 * 1024;  // unsent bytes before a member is dropped
};

class ChatRoom {
 public:
  explicit ChatRoom(ChatOptions options = {}) : options_(options) {}

  const ChatOptions& options() const { return options_; }

  // start_server's client_connected: runs one client's whole session.
  ClientConnected handler();
  Coro<void> serve_client(std::shared_ptr<StreamReader> reader, std::shared_ptr<StreamWriter> writer);

  size_t members() const { return members_.size(); }
  // Members dropped because they stopped reading.
  int64_t dropped_slow() const { return dropped_slow_; }

 private:
  struct Member {
    std::string name;
    std::shared_ptr<StreamWriter> writer;
  };

  // The next line without its "\n" (and "\r"); nullopt at EOF, on a
  // connection error, or when the line is over the limit (then the client
  // has been told).
  static Coro<std::optional<std::string>> read_line(StreamReader& reader, StreamWriter& writer);
  static Coro<void> say_and_close(StreamWriter& writer, std::string_view line);
  bool name_in_use(std::string_view name) const;
  // Sends `line` to every member but `from`, dropping members too far behind.
  void relay(int64_t from, std::string_view line);

  ChatOptions options_;
  std::map<int64_t, Member> members_;  // by join number
  int64_t next_member_ = 0;
  int64_t dropped_slow_ = 0;
};

}  // namespace seedloop::examples

#endif  // SEEDLOOP_EXAMPLES_CHAT_ROOM_H_
