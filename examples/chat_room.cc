#include "examples/chat_room.h"

#include <exception>
#include <utility>
#include <vector>

#include "loop/errors.h"

namespace seedloop::examples {

ClientConnected ChatRoom::handler() {
  return [this](std::shared_ptr<StreamReader> reader, std::shared_ptr<StreamWriter> writer) {
    return serve_client(std::move(reader), std::move(writer));
  };
}

Coro<std::optional<std::string>> ChatRoom::read_line(StreamReader& reader, StreamWriter& writer) {
  std::string line;
  bool too_long = false;
  try {
    Coro<std::string> reading = reader.readline();
    line = co_await std::move(reading);
  } catch (const ValueError&) {  // the line is over the reader's limit
    too_long = true;
  } catch (const ConnectionError&) {  // reset by the peer: the same as EOF here
    co_return std::nullopt;
  }
  if (too_long) {
    Coro<void> refusing = say_and_close(writer, "* line too long");
    co_await std::move(refusing);
    co_return std::nullopt;
  }
  if (line.empty()) co_return std::nullopt;  // EOF
  if (line.back() == '\n') line.pop_back();
  if (!line.empty() && line.back() == '\r') line.pop_back();
  co_return line;
}

Coro<void> ChatRoom::say_and_close(StreamWriter& writer, std::string_view line) {
  writer.write(std::string(line) + "\n");
  writer.close();
  try {
    co_await writer.wait_closed();
  } catch (const ConnectionError&) {
    // the peer is gone already: nothing more to tell it
  }
}

bool ChatRoom::name_in_use(std::string_view name) const {
  for (const auto& [number, member] : members_) {
    if (member.name == name) return true;
  }
  return false;
}

void ChatRoom::relay(int64_t from, std::string_view line) {
  std::vector<int64_t> too_slow;
  for (const auto& [number, member] : members_) {
    if (number == from || member.writer->is_closing()) continue;
    member.writer->write(line);
    if (member.writer->transport()->get_write_buffer_size() > options_.max_backlog) too_slow.push_back(number);
  }
  // abort() drops the member's unsent output and ends its session: its
  // read_line sees EOF and serve_client announces that it left.
  for (int64_t number : too_slow) {
    ++dropped_slow_;
    members_.at(number).writer->transport()->abort();
  }
}

Coro<void> ChatRoom::serve_client(std::shared_ptr<StreamReader> reader, std::shared_ptr<StreamWriter> writer) {
  if (members_.size() >= options_.max_clients) {
    Coro<void> refusing = say_and_close(*writer, "* the room is full");
    co_await std::move(refusing);
    co_return;
  }
  writer->write("* welcome; your name?\n");
  Coro<std::optional<std::string>> naming = read_line(*reader, *writer);
  std::optional<std::string> name = co_await std::move(naming);
  if (!name) co_return;
  // Checked again after the wait: the room may have filled meanwhile.
  if (members_.size() >= options_.max_clients) {
    Coro<void> refusing = say_and_close(*writer, "* the room is full");
    co_await std::move(refusing);
    co_return;
  }
  if (name->empty() || name_in_use(*name)) {
    Coro<void> refusing = say_and_close(*writer, "* that name is taken");
    co_await std::move(refusing);
    co_return;
  }

  const int64_t number = next_member_++;
  members_.emplace(number, Member{*name, writer});
  relay(number, "* " + *name + " joined\n");
  while (true) {
    Coro<std::optional<std::string>> reading = read_line(*reader, *writer);
    std::optional<std::string> line = co_await std::move(reading);
    if (!line) break;
    relay(number, *name + ": " + *line + "\n");
  }
  members_.erase(number);
  relay(number, "* " + *name + " left\n");
  writer->close();
  try {
    co_await writer->wait_closed();
  } catch (const ConnectionError&) {
    // reset by the peer, or aborted for being too slow
  }
}

}  // namespace seedloop::examples
