// The chat room example (examples/chat_room.h) on real loopback sockets:
// what its clients see, and what a hostile client costs the others.

#include "examples/chat_room.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "loop/aio/run.h"
#include "loop/event_loop.h"
#include "loop/net/server.h"
#include "loop/net/streams.h"
#include "loop/policy.h"

namespace seedloop::examples {
namespace {

// A chat client: its streams, and the lines it has read.
struct Client {
  Streams s;

  Coro<std::string> line() {
    Coro<std::string> reading = s.reader->readline();
    std::string got = co_await std::move(reading);
    co_return got;
  }
  void say(const std::string& text) { s.writer->write(text + "\n"); }
  Coro<void> leave() {
    s.writer->close();
    co_await s.writer->wait_closed();
  }
};

class ChatRoomTest : public ::testing::Test {
 protected:
  // Runs `body(room, port)` with a server for `room` under seedloop::run
  // (asyncio.run: a new production loop; at the end the room's sessions
  // still running are cancelled and finished), bounded at 20 s.
  template <typename Body>
  void run_with_room(ChatOptions options, Body body) {
    ChatRoom room(options);
    auto main = [&]() -> Coro<void> {
      std::shared_ptr<EventLoop> loop = get_running_loop();
      TimerHandle bound = loop->call_later(20.0, [&] {
        ADD_FAILURE() << "the test did not end in 20 s";
        loop->stop();
      });
      Coro<std::shared_ptr<Server>> starting = start_server(room.handler(), "127.0.0.1", 0, options.max_line);
      std::shared_ptr<Server> server = co_await std::move(starting);
      int port = loop->socket_ops().getsockname(server->sockets().at(0))->port();
      Coro<void> running = body(room, port);
      co_await std::move(running);
      server->close();
      co_await server->wait_closed();
      bound.cancel();
    };
    run(main());
  }
};

// The next line `c` reads must be `want`. (g++ 12: a coroutine is named
// before it is awaited, never awaited as a temporary inside a larger
// expression; README.md, "Pitfalls".)
#define EXPECT_NEXT_LINE(c, want)                     \
  do {                                                \
    Coro<std::string> next_line_ = (c).line();        \
    std::string got_ = co_await std::move(next_line_); \
    EXPECT_EQ(got_, want);                            \
  } while (0)

// Connects and reads the greeting.
Coro<Client> connect(int port) {
  Coro<Streams> connecting = open_connection("127.0.0.1", port);
  Streams streams = co_await std::move(connecting);
  Client c{streams};
  Coro<std::string> greeting = c.line();
  std::string hello = co_await std::move(greeting);
  EXPECT_EQ(hello, "* welcome; your name?\n");
  co_return c;
}

// Connects, gives `name`, and (if `others` is non-empty) waits until each of
// them has seen the join.
Coro<Client> join(int port, std::string name, std::vector<Client*> others = {}) {
  Coro<Client> connecting = connect(port);
  Client c = co_await std::move(connecting);
  c.say(name);
  for (Client* other : others) {
    Coro<std::string> announced = other->line();
    std::string line = co_await std::move(announced);
    EXPECT_EQ(line, "* " + name + " joined\n");
  }
  co_return c;
}

TEST_F(ChatRoomTest, LinesAreRelayedToEveryOtherMember) {
  run_with_room({}, [](ChatRoom& room, int port) -> Coro<void> {
    Coro<Client> alice_joining = join(port, "alice");
    Client alice = co_await std::move(alice_joining);
    std::vector<Client*> bob_sees = {&alice};
    Coro<Client> bob_joining = join(port, "bob", bob_sees);
    Client bob = co_await std::move(bob_joining);
    std::vector<Client*> carol_sees = {&alice, &bob};
    Coro<Client> carol_joining = join(port, "carol", carol_sees);
    Client carol = co_await std::move(carol_joining);
    EXPECT_EQ(room.members(), 3u);
    bob.say("hi all");
    EXPECT_NEXT_LINE(alice, "bob: hi all\n");
    EXPECT_NEXT_LINE(carol, "bob: hi all\n");
    alice.say("hello bob\r");  // a telnet-style line end
    EXPECT_NEXT_LINE(bob, "alice: hello bob\n");  // bob never saw his own line
    EXPECT_NEXT_LINE(carol, "alice: hello bob\n");
    for (Client* c : std::vector<Client*>{&alice, &bob, &carol}) {
      Coro<void> leaving = c->leave();
      co_await std::move(leaving);
    }
  });
}

TEST_F(ChatRoomTest, LeavingIsAnnounced) {
  run_with_room({}, [](ChatRoom& room, int port) -> Coro<void> {
    Coro<Client> alice_joining = join(port, "alice");
    Client alice = co_await std::move(alice_joining);
    std::vector<Client*> bob_sees = {&alice};
    Coro<Client> bob_joining = join(port, "bob", bob_sees);
    Client bob = co_await std::move(bob_joining);
    Coro<void> bob_leaving = bob.leave();
    co_await std::move(bob_leaving);
    EXPECT_NEXT_LINE(alice, "* bob left\n");
    EXPECT_EQ(room.members(), 1u);
    Coro<void> alice_leaving = alice.leave();
    co_await std::move(alice_leaving);
  });
}

TEST_F(ChatRoomTest, ATakenNameIsRefused) {
  run_with_room({}, [](ChatRoom& room, int port) -> Coro<void> {
    Coro<Client> alice_joining = join(port, "alice");
    Client alice = co_await std::move(alice_joining);
    Coro<Client> impostor_connecting = connect(port);
    Client impostor = co_await std::move(impostor_connecting);
    impostor.say("alice");
    EXPECT_NEXT_LINE(impostor, "* that name is taken\n");
    EXPECT_NEXT_LINE(impostor, "");  // closed
    EXPECT_EQ(room.members(), 1u);
    Coro<void> impostor_leaving = impostor.leave();
    co_await std::move(impostor_leaving);
    Coro<void> alice_leaving = alice.leave();
    co_await std::move(alice_leaving);
  });
}

TEST_F(ChatRoomTest, AFullRoomRefusesTheNextClient) {
  run_with_room({.max_clients = 2}, [](ChatRoom& room, int port) -> Coro<void> {
    Coro<Client> alice_joining = join(port, "alice");
    Client alice = co_await std::move(alice_joining);
    std::vector<Client*> bob_sees = {&alice};
    Coro<Client> bob_joining = join(port, "bob", bob_sees);
    Client bob = co_await std::move(bob_joining);
    Coro<Streams> connecting = open_connection("127.0.0.1", port);
    Streams streams = co_await std::move(connecting);
    Client third{streams};
    EXPECT_NEXT_LINE(third, "* the room is full\n");
    EXPECT_NEXT_LINE(third, "");
    EXPECT_EQ(room.members(), 2u);
    for (Client* c : std::vector<Client*>{&third, &alice, &bob}) {
      Coro<void> leaving = c->leave();
      co_await std::move(leaving);
    }
  });
}

TEST_F(ChatRoomTest, ALineOverTheLimitDropsOnlyItsSender) {
  run_with_room({.max_line = 64}, [](ChatRoom& room, int port) -> Coro<void> {
    Coro<Client> alice_joining = join(port, "alice");
    Client alice = co_await std::move(alice_joining);
    std::vector<Client*> mallory_sees = {&alice};
    Coro<Client> mallory_joining = join(port, "mallory", mallory_sees);
    Client mallory = co_await std::move(mallory_joining);
    mallory.say(std::string(10'000, 'x'));
    EXPECT_NEXT_LINE(mallory, "* line too long\n");
    EXPECT_NEXT_LINE(mallory, "");
    EXPECT_NEXT_LINE(alice, "* mallory left\n");  // and no 'x' reached alice
    EXPECT_EQ(room.members(), 1u);
    Coro<void> mallory_leaving = mallory.leave();
    co_await std::move(mallory_leaving);
    Coro<void> alice_leaving = alice.leave();
    co_await std::move(alice_leaving);
  });
}

TEST_F(ChatRoomTest, AMemberThatNeverReadsIsDroppedNotWaitedFor) {
  run_with_room({.max_backlog = 64 * 1024}, [](ChatRoom& room, int port) -> Coro<void> {
    Coro<Client> sleepy_joining = join(port, "sleepy");
    Client sleepy = co_await std::move(sleepy_joining);
    std::vector<Client*> talker_sees = {&sleepy};
    Coro<Client> talker_joining = join(port, "talker", talker_sees);
    Client talker = co_await std::move(talker_joining);
    std::vector<Client*> listener_sees = {&sleepy, &talker};
    Coro<Client> listener_joining = join(port, "listener", listener_sees);
    Client listener = co_await std::move(listener_joining);
    sleepy.s.writer->transport()->pause_reading();  // never reads again
    // At most 16 MB, far past what the kernel's socket buffers hold, so
    // the server's buffer for sleepy must pass max_backlog.
    const std::string line(1000, 'y');
    int sent = 0;
    while (room.dropped_slow() == 0 && sent < 16'000) {
      talker.say(line);
      ++sent;
      EXPECT_NEXT_LINE(listener, "talker: " + line + "\n");  // the listener keeps up
    }
    EXPECT_EQ(room.dropped_slow(), 1);
    EXPECT_NEXT_LINE(listener, "* sleepy left\n");
    EXPECT_NEXT_LINE(talker, "* sleepy left\n");
    for (Client* c : std::vector<Client*>{&sleepy, &talker, &listener}) {
      Coro<void> leaving = c->leave();
      co_await std::move(leaving);
    }
  });
}

}  // namespace
}  // namespace seedloop::examples
