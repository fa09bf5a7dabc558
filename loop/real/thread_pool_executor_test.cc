#include "loop/real/thread_pool_executor.h"

#include <pthread.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace seedloop::real {
namespace {

using Shutdown = Executor::Shutdown;

// Long enough never to fire on a healthy run; bounds every wait so that a
// broken executor fails instead of hanging.
constexpr absl::Duration kBound = absl::Seconds(10);

TEST(ThreadPoolExecutorTest, ExecutorRunsWorkOnAnotherThread) {
  ThreadPoolExecutor pool;
  absl::Notification done;
  std::thread::id worker_id;
  ASSERT_TRUE(pool.submit([&] {
                    worker_id = std::this_thread::get_id();
                    done.Notify();
                  })
                  .ok());
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(kBound));
  EXPECT_NE(worker_id, std::this_thread::get_id());
}

TEST(ThreadPoolExecutorTest, ExecutorRejectsAfterShutdown) {
  ThreadPoolExecutor pool;
  pool.shutdown(Shutdown::kNoWait);
  bool ran = false;
  absl::Status status = pool.submit([&] { ran = true; });
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(), "cannot schedule new futures after shutdown");
  pool.shutdown(Shutdown::kWait);
  EXPECT_FALSE(ran);
}

TEST(ThreadPoolExecutorTest, RejectedWorkIsDestroyedUnrunOnTheCallingThread) {
  ThreadPoolExecutor pool;
  pool.shutdown(Shutdown::kWait);
  auto token = std::make_shared<int>(0);
  std::weak_ptr<int> watch = token;
  EXPECT_FALSE(pool.submit([token = std::move(token)] { ++*token; }).ok());
  EXPECT_TRUE(watch.expired());  // destroyed before submit() returned
}

TEST(ThreadPoolExecutorTest, ExecutorShutdownWaitRunsQueuedWork) {
  ThreadPoolExecutor pool({.max_workers = 1});
  absl::Notification release;
  std::atomic<int> ran{0};
  ASSERT_TRUE(pool.submit([&] {
                    release.WaitForNotificationWithTimeout(kBound);
                    ++ran;
                  })
                  .ok());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(pool.submit([&] { ++ran; }).ok());
  pool.shutdown(Shutdown::kNoWait);  // stops accepting; the queue still runs
  release.Notify();
  pool.shutdown(Shutdown::kWait);
  EXPECT_EQ(ran.load(), 11);
  EXPECT_EQ(pool.worker_count(), 0u);
}

TEST(ThreadPoolExecutorTest, ShutdownNoWaitReturnsWhileWorkIsRunning) {
  ThreadPoolExecutor pool({.max_workers = 1});
  absl::Notification started;
  absl::Notification release;
  ASSERT_TRUE(pool.submit([&] {
                    started.Notify();
                    release.WaitForNotificationWithTimeout(kBound);
                  })
                  .ok());
  ASSERT_TRUE(started.WaitForNotificationWithTimeout(kBound));
  pool.shutdown(Shutdown::kNoWait);  // would deadlock here if it waited
  EXPECT_EQ(pool.worker_count(), 1u);
  release.Notify();
}  // the destructor waits

TEST(ThreadPoolExecutorTest, ExecutorQueueLimitIsEnforced) {
  ThreadPoolExecutor pool({.max_workers = 1, .max_queued = 2});
  absl::Notification started;
  absl::Notification release;
  ASSERT_TRUE(pool.submit([&] {
                    started.Notify();
                    release.WaitForNotificationWithTimeout(kBound);
                  })
                  .ok());
  ASSERT_TRUE(started.WaitForNotificationWithTimeout(kBound));  // the queue is empty again
  std::atomic<int> ran{0};
  EXPECT_TRUE(pool.submit([&] { ++ran; }).ok());
  EXPECT_TRUE(pool.submit([&] { ++ran; }).ok());
  absl::Status status = pool.submit([&] { ++ran; });
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(std::string(status.message()).find("max_queued"), std::string::npos) << status;
  release.Notify();
  pool.shutdown(Shutdown::kWait);
  EXPECT_EQ(ran.load(), 2);
}

TEST(ThreadPoolExecutorTest, WorkStartsInSubmissionOrder) {
  ThreadPoolExecutor pool({.max_workers = 1});
  absl::Mutex mu;
  std::vector<int> order;
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(pool.submit([&, i] {
                      absl::MutexLock lock(&mu);
                      order.push_back(i);
                    })
                    .ok());
  }
  pool.shutdown(Shutdown::kWait);
  ASSERT_EQ(order.size(), 50u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(order[static_cast<size_t>(i)], i);
}

TEST(ThreadPoolExecutorTest, WorkersRunConcurrentlyUpToMaxWorkers) {
  ThreadPoolExecutor pool({.max_workers = 2});
  // Each item waits for the other: only two threads can finish this.
  absl::Notification a_started;
  absl::Notification b_started;
  std::atomic<int> met{0};
  ASSERT_TRUE(pool.submit([&] {
                    a_started.Notify();
                    if (b_started.WaitForNotificationWithTimeout(kBound)) ++met;
                  })
                  .ok());
  ASSERT_TRUE(pool.submit([&] {
                    b_started.Notify();
                    if (a_started.WaitForNotificationWithTimeout(kBound)) ++met;
                  })
                  .ok());
  pool.shutdown(Shutdown::kWait);
  EXPECT_EQ(met.load(), 2);
}

TEST(ThreadPoolExecutorTest, ExecutorNeverStartsMoreThanMaxWorkers) {
  ThreadPoolExecutor pool({.max_workers = 3});
  absl::Mutex mu;
  int active = 0;
  int max_active = 0;
  absl::Notification release;
  for (int i = 0; i < 12; ++i) {
    ASSERT_TRUE(pool.submit([&] {
                      {
                        absl::MutexLock lock(&mu);
                        max_active = std::max(max_active, ++active);
                      }
                      release.WaitForNotificationWithTimeout(absl::Milliseconds(5));
                      absl::MutexLock lock(&mu);
                      --active;
                    })
                    .ok());
    EXPECT_LE(pool.worker_count(), 3u);
  }
  release.Notify();
  pool.shutdown(Shutdown::kWait);
  EXPECT_LE(max_active, 3);
  EXPECT_GE(max_active, 1);
}

TEST(ThreadPoolExecutorTest, WorkersAreStartedLazily) {
  ThreadPoolExecutor pool({.max_workers = 8});
  EXPECT_EQ(pool.worker_count(), 0u);
  absl::Notification done;
  ASSERT_TRUE(pool.submit([&] { done.Notify(); }).ok());
  EXPECT_EQ(pool.worker_count(), 1u);
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(kBound));
}

// The name of the first worker of a pool with this prefix ("" on failure).
std::string first_worker_name(const char* prefix) {
  ThreadPoolExecutor pool({.thread_name_prefix = prefix});
  absl::Notification done;
  char name[16] = {};
  if (!pool.submit([&] {
             pthread_getname_np(pthread_self(), name, sizeof name);
             done.Notify();
           })
           .ok() ||
      !done.WaitForNotificationWithTimeout(kBound)) {
    return "";
  }
  return name;
}

TEST(ThreadPoolExecutorTest, WorkerThreadsAreNamedWithThePrefix) {
  EXPECT_EQ(first_worker_name("asyncio"), "asyncio_0");
}

TEST(ThreadPoolExecutorTest, LongThreadNamePrefixIsTruncated) {
  EXPECT_EQ(first_worker_name("a-very-long-thread-prefix"), "a-very-long-thr");
}

TEST(ThreadPoolExecutorTest, ConcurrentShutdownWaitsBothReturnAfterJoin) {
  auto pool = std::make_unique<ThreadPoolExecutor>(ThreadPoolExecutor::Options{.max_workers = 2});
  std::atomic<int> ran{0};
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(pool->submit([&] { ++ran; }).ok());
  std::thread other([&] { pool->shutdown(Shutdown::kWait); });
  pool->shutdown(Shutdown::kWait);
  EXPECT_EQ(ran.load(), 20);
  other.join();
  EXPECT_EQ(ran.load(), 20);
}

TEST(ThreadPoolExecutorTest, DefaultMaxWorkersFollowsPython) {
  int cpus = static_cast<int>(std::max(std::thread::hardware_concurrency(), 1u));
  EXPECT_EQ(default_max_workers(), std::min(32, cpus + 4));
}

TEST(ThreadPoolExecutorDeathTest, WorkItemThatThrowsAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        ThreadPoolExecutor pool({.max_workers = 1});
        (void)pool.submit([] { throw 42; });
        pool.shutdown(Shutdown::kWait);
      },
      "seedloop: executor work item threw");
}

}  // namespace
}  // namespace seedloop::real
