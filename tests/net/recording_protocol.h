// Test protocols for tests/net: RecordingProtocol writes down every call a
// transport makes ("made", "data", "eof", "pause", "resume", "lost: ..."),
// keeps the bytes it received, and completes `lost` when connection_lost
// runs; EchoProtocol writes back what it receives.
//
//   auto proto = std::make_shared<RecordingProtocol>(*loop);
//   ... co_await proto->lost; EXPECT_EQ(proto->received, "hello");

#ifndef SEEDLOOP_TESTS_NET_RECORDING_PROTOCOL_H_
#define SEEDLOOP_TESTS_NET_RECORDING_PROTOCOL_H_

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "loop/errors.h"
#include "loop/event_loop.h"
#include "loop/net/protocols.h"

namespace seedloop::testing {

class RecordingProtocol : public Protocol {
 public:
  explicit RecordingProtocol(EventLoop& loop)
      : lost(loop.create_future()), made(loop.create_future()), eof(loop.create_future()) {}

  void connection_made(std::shared_ptr<Transport> t) override {
    transport = std::move(t);
    events.push_back("made");
    made.set_result();
  }
  void data_received(std::string_view data) override {
    if (events.empty() || events.back() != "data") events.push_back("data");
    received.append(data);
    if (data_hook) data_hook(data);
  }
  bool eof_received() override {
    events.push_back("eof");
    eof.set_result();
    return keep_open_on_eof;
  }
  void pause_writing() override { events.push_back("pause"); }
  void resume_writing() override { events.push_back("resume"); }
  void connection_lost(std::exception_ptr e) override {
    events.push_back(e ? "lost: " + describe_exception(e) : "lost");
    lost_error = e;
    lost.set_result();
  }

  std::shared_ptr<Transport> transport;
  std::vector<std::string> events;
  std::string received;
  std::exception_ptr lost_error;
  bool keep_open_on_eof = false;
  std::function<void(std::string_view)> data_hook;
  Future<void> lost;
  Future<void> made;
  Future<void> eof;
};

class EchoProtocol : public Protocol {
 public:
  void connection_made(std::shared_ptr<Transport> t) override { transport_ = std::move(t); }
  void data_received(std::string_view data) override { transport_->write(data); }
  void connection_lost(std::exception_ptr) override { transport_.reset(); }

 private:
  std::shared_ptr<Transport> transport_;
};

}  // namespace seedloop::testing

#endif  // SEEDLOOP_TESTS_NET_RECORDING_PROTOCOL_H_
