#include "loop/real/thread_boundary.h"

#include <pthread.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "loop/real/epoll_poller.h"

namespace seedloop::real {
namespace {

using Fn = RealThreadBoundary::Fn;

constexpr absl::Duration kBound = absl::Seconds(10);

std::unique_ptr<EpollPoller> make_poller() {
  auto poller = EpollPoller::Create();
  EXPECT_TRUE(poller.ok()) << poller.status();
  return std::move(poller).value();
}

// Wraps a real poller and counts wakeups; everything else passes through.
class CountingPoller : public Poller {
 public:
  absl::Status register_fd(int fd, uint32_t events) override {
    return inner_->register_fd(fd, events);
  }
  absl::Status modify_fd(int fd, uint32_t events) override { return inner_->modify_fd(fd, events); }
  absl::Status unregister_fd(int fd) override { return inner_->unregister_fd(fd); }
  void poll(std::optional<int64_t> timeout_ns, size_t max_events,
            std::vector<IoEvent>* out) override {
    inner_->poll(timeout_ns, max_events, out);
  }
  void wakeup() override {
    ++wakeups;
    inner_->wakeup();
  }

  std::atomic<int> wakeups{0};

 private:
  std::unique_ptr<EpollPoller> inner_ = make_poller();
};

void run_all(std::vector<Fn>* items) {
  for (Fn& fn : *items) std::move(fn)();
  items->clear();
}

TEST(RealThreadBoundaryTest, DrainReturnsItemsInPostOrder) {
  CountingPoller poller;
  RealThreadBoundary boundary(&poller);
  std::vector<int> order;
  for (int i = 0; i < 5; ++i) boundary.post([&order, i] { order.push_back(i); });
  std::vector<Fn> items;
  items.emplace_back([&order] { order.push_back(-1); });  // drain appends after this
  EXPECT_EQ(boundary.drain(&items), 5u);
  ASSERT_EQ(items.size(), 6u);
  run_all(&items);
  EXPECT_EQ(order, (std::vector<int>{-1, 0, 1, 2, 3, 4}));
  EXPECT_EQ(boundary.drain(&items), 0u);
  EXPECT_TRUE(items.empty());
}

TEST(RealThreadBoundaryTest, PostNeverRunsInline) {
  CountingPoller poller;
  RealThreadBoundary boundary(&poller);
  bool ran = false;
  boundary.post([&ran] { ran = true; });
  EXPECT_FALSE(ran);
  std::vector<Fn> items;
  boundary.drain(&items);
  EXPECT_FALSE(ran);
  run_all(&items);
  EXPECT_TRUE(ran);
}

TEST(RealThreadBoundaryTest, PostWakesPollerOnlyWhenInboxWasEmpty) {
  CountingPoller poller;
  RealThreadBoundary boundary(&poller);
  for (int i = 0; i < 3; ++i) boundary.post([] {});
  EXPECT_EQ(poller.wakeups.load(), 1);
  std::vector<Fn> items;
  boundary.drain(&items);
  boundary.post([] {});
  EXPECT_EQ(poller.wakeups.load(), 2);
}

TEST(RealThreadBoundaryTest, PostWakesBlockedPoll) {
  auto poller = make_poller();
  RealThreadBoundary boundary(poller.get());
  std::thread poster([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    boundary.post([] {});
  });
  std::vector<IoEvent> events;
  poller->poll(std::nullopt, 64, &events);  // a lost wakeup hangs: the test times out
  poster.join();
  std::vector<Fn> items;
  EXPECT_EQ(boundary.drain(&items), 1u);
}

TEST(RealThreadBoundaryTest, PostFromManyThreadsArrivesInPerThreadOrder) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 2000;
  auto poller = make_poller();
  RealThreadBoundary boundary(poller.get());
  std::vector<std::pair<int, int>> seen;  // (thread, sequence), loop thread only
  std::vector<std::thread> posters;
  for (int t = 0; t < kThreads; ++t) {
    posters.emplace_back([&boundary, &seen, t] {
      for (int i = 0; i < kPerThread; ++i) boundary.post([&seen, t, i] { seen.emplace_back(t, i); });
    });
  }
  // Drain concurrently with the posters, as a loop would, a bounded number of times.
  std::vector<Fn> items;
  std::vector<IoEvent> events;
  for (int round = 0; round < 100000 && seen.size() < kThreads * kPerThread; ++round) {
    poller->poll(int64_t{1'000'000}, 64, &events);
    boundary.drain(&items);
    run_all(&items);
  }
  for (std::thread& p : posters) p.join();
  boundary.drain(&items);
  run_all(&items);
  ASSERT_EQ(seen.size(), static_cast<size_t>(kThreads * kPerThread));
  std::vector<int> next(kThreads, 0);
  for (const auto& [t, i] : seen) {
    ASSERT_EQ(i, next[static_cast<size_t>(t)]) << "thread " << t;
    ++next[static_cast<size_t>(t)];
  }
}

TEST(RealThreadBoundaryTest, UndrainedItemsAreDestroyedUnrunOnDestruction) {
  CountingPoller poller;
  auto token = std::make_shared<int>(0);
  std::weak_ptr<int> watch = token;
  {
    RealThreadBoundary boundary(&poller);
    boundary.post([token = std::move(token)] { ++*token; });
    EXPECT_FALSE(watch.expired());
  }
  EXPECT_TRUE(watch.expired());
}

TEST(RealThreadBoundaryTest, SpawnedThreadsAreJoinedOnDestruction) {
  CountingPoller poller;
  std::atomic<int> finished{0};
  {
    RealThreadBoundary boundary(&poller);
    for (int i = 0; i < 3; ++i) {
      boundary.spawn([&finished] {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        ++finished;
      });
    }
  }
  EXPECT_EQ(finished.load(), 3);
}

TEST(RealThreadBoundaryTest, SpawnRunsOnAnotherThreadThatMayPost) {
  auto poller = make_poller();
  RealThreadBoundary boundary(poller.get());
  std::thread::id spawned_id;
  boundary.spawn([&] {
    spawned_id = std::this_thread::get_id();
    boundary.post([] {});
  });
  std::vector<Fn> items;
  std::vector<IoEvent> events;
  for (int round = 0; round < 1000 && items.empty(); ++round) {
    poller->poll(int64_t{10'000'000}, 64, &events);
    boundary.drain(&items);
  }
  ASSERT_EQ(items.size(), 1u);
  // The post happened-before our drain, so the id write is visible.
  EXPECT_NE(spawned_id, std::this_thread::get_id());
}

TEST(RealThreadBoundaryTest, FinishedSpawnedThreadsAreJoinedOnNextSpawn) {
  CountingPoller poller;
  RealThreadBoundary boundary(&poller);
  // Far more spawns than kMaxLiveSpawnedThreads would allow if none were joined.
  for (size_t i = 0; i < RealThreadBoundary::kMaxLiveSpawnedThreads + 50; ++i) {
    absl::Notification done;
    boundary.spawn([&done] { done.Notify(); });
    ASSERT_TRUE(done.WaitForNotificationWithTimeout(kBound));
  }
}

TEST(RealThreadBoundaryTest, DefaultExecutorThreadsAreNamedAsyncio) {
  CountingPoller poller;
  RealThreadBoundary boundary(&poller);
  std::unique_ptr<Executor> executor = boundary.new_default_executor();
  absl::Notification done;
  char name[16] = {};
  ASSERT_TRUE(executor
                  ->submit([&] {
                    pthread_getname_np(pthread_self(), name, sizeof name);
                    done.Notify();
                  })
                  .ok());
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(kBound));
  EXPECT_STREQ(name, "asyncio_0");
}

}  // namespace
}  // namespace seedloop::real
