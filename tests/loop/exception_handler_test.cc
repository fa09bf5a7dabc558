// set_exception_handler / get_exception_handler / call_exception_handler /
// default_exception_handler (asyncio-semantics items 19-21).

#include <string>

#include "gtest/gtest.h"
#include "sim/testing/loop_fixture.h"

namespace seedloop {
namespace {

TEST(ExceptionHandlerTest, DefaultHandlerIsUnsetAndCustomOneIsReturned) {
  auto loop = EventLoop::create(sim::new_virtual_backend());
  EXPECT_FALSE(loop->get_exception_handler());
  loop->set_exception_handler([](EventLoop&, const ExceptionContext&) {});
  EXPECT_TRUE(loop->get_exception_handler());
  loop->set_exception_handler(nullptr);
  EXPECT_FALSE(loop->get_exception_handler());
  loop->close();
}

TEST(ExceptionHandlerTest, CustomHandlerReceivesLoopAndContext) {
  auto loop = EventLoop::create(sim::new_virtual_backend());
  EventLoop* seen_loop = nullptr;
  std::string seen_message;
  loop->set_exception_handler([&](EventLoop& l, const ExceptionContext& c) {
    seen_loop = &l;
    seen_message = c.message;
  });
  ExceptionContext c;
  c.message = "hello";
  loop->call_exception_handler(c);
  EXPECT_EQ(seen_loop, loop.get());
  EXPECT_EQ(seen_message, "hello");
  loop->close();
}

TEST(ExceptionHandlerTest, FailingCustomHandlerFallsBackToTheDefault) {
  auto loop = EventLoop::create(sim::new_virtual_backend());
  loop->set_exception_handler([](EventLoop&, const ExceptionContext&) { throw ValueError("handler broke"); });
  ExceptionContext c;
  c.message = "original";
  ::testing::internal::CaptureStderr();
  loop->call_exception_handler(c);
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("Unhandled error in exception handler"), std::string::npos) << err;
  EXPECT_NE(err.find("ValueError: handler broke"), std::string::npos) << err;
  EXPECT_NE(err.find("context: original"), std::string::npos) << err;
  loop->close();
}

TEST(ExceptionHandlerTest, DefaultHandlerFormatsMessageSortedKeysAndException) {
  ExceptionContext c;
  c.exception = std::make_exception_ptr(RuntimeError("bad"));
  c.extra["zeta"] = "last";
  c.extra["alpha"] = "first";
  EXPECT_EQ(format_exception_context(c),
            "Unhandled exception in event loop\nalpha: first\nzeta: last\nException: RuntimeError: bad");
}

TEST(ExceptionHandlerTest, DefaultHandlerWritesToStderr) {
  auto loop = EventLoop::create(sim::new_virtual_backend());
  ::testing::internal::CaptureStderr();
  loop->call_soon([] { throw TypeError("typed"); });
  loop->stop();
  loop->run_forever();
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("Exception in callback <Handle callback>"), std::string::npos) << err;
  EXPECT_NE(err.find("Exception: TypeError: typed"), std::string::npos) << err;
  loop->close();
}

}  // namespace
}  // namespace seedloop
