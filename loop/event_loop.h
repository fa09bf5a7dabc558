// EventLoop: asyncio's event loop (BaseEventLoop), name for name.
//
//   auto loop = seedloop::new_event_loop();
//   loop->call_soon([] { std::puts("hello"); });
//   loop->call_later(0.5, [&] { loop->stop(); });
//   loop->run_forever();
//   loop->close();
//
// Semantics are CPython 3.11's (../shared/notes/asyncio-semantics.md,
// items 1-21, 52-53): callbacks run FIFO in call_soon order; callbacks
// scheduled during an iteration run in the next one; due timers join the
// back of the ready queue in the order Python's heapq pops them; stop()
// lets the current batch finish; close() drops what is queued. Misuse
// raises asyncio's exceptions with asyncio's texts.
//
// Iteration (run_once) reads as asyncio's _run_once, phase by phase:
//   1. purge cancelled timers (compact the heap when over half are);
//   2. take callbacks other threads posted;
//   3. poll for I/O with a timeout: 0 if anything is ready or stop() was
//      called, else until the next timer, else forever;
//   4. move due timers to the back of the ready queue;
//   5. run exactly the callbacks that were ready at this point.
//
// C++ forms: callbacks take no arguments (bind them in a lambda: the C++
// spelling of functools.partial); delays and deadlines are seconds as
// double, or std::chrono durations; a `context` argument is an optional
// Context. Limits: Options bounds the ready queue and the events per poll.
//
// Threads: a loop belongs to the thread that runs it. Thread-safe methods:
// call_soon_threadsafe, is_running, is_closed. Everything else is for the
// loop's thread only (as in asyncio); in debug mode call_soon/call_at raise
// RuntimeError when called from another thread while the loop runs.

#ifndef SEEDLOOP_LOOP_EVENT_LOOP_H_
#define SEEDLOOP_LOOP_EVENT_LOOP_H_

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/types/span.h"
#include "loop/backend.h"
#include "loop/context.h"
#include "loop/coro.h"
#include "loop/exception_context.h"
#include "loop/future.h"
#include "loop/handle.h"
#include "loop/internal/py_heap.h"
#include "loop/internal/ring_queue.h"
#include "loop/net/server_options.h"
#include "loop/net/subprocess_options.h"
#include "loop/observer.h"
#include "loop/task.h"

namespace seedloop {

namespace internal {
class AsyncGenState;
}  // namespace internal

// asyncio.BaseEventLoop's limits: a timer never sleeps longer than a day.
inline constexpr int64_t kMaximumSelectTimeoutNs = 86400LL * 1000000000LL;

// A task factory, as set_task_factory takes: builds the task for a
// coroutine (Python: factory(loop, coro[, context=ctx])).
using TaskFactory =
    std::function<internal::Ref<TaskBase>(EventLoop& loop, CoroFrame coro, std::optional<Context> context)>;

class EventLoop : public std::enable_shared_from_this<EventLoop> {
 public:
  struct Options {
    // call_soon raises RuntimeError beyond this many queued callbacks.
    size_t max_ready = size_t{1} << 24;
    // At most this many I/O events are taken per poll.
    size_t max_events_per_poll = 1024;
  };

  // A loop over `backend`. Most code calls new_event_loop() instead.
  static std::shared_ptr<EventLoop> create(Backend backend, Options options);
  static std::shared_ptr<EventLoop> create(Backend backend) { return create(std::move(backend), Options()); }
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // ---- Running and stopping the loop ----
  // Runs until `future` is done; returns its result or raises its exception.
  template <typename T>
  T run_until_complete(const Future<T>& future);
  // Wraps `coro` in a task first (asyncio's ensure_future).
  template <typename T>
  T run_until_complete(Coro<T> coro);
  void run_forever();
  void stop();
  bool is_running() const { return running_thread_.load(std::memory_order_acquire) != std::thread::id(); }
  bool is_closed() const { return closed_.load(std::memory_order_acquire); }
  void close();
  // Waits for the default executor's threads on a helper thread.
  Coro<void> shutdown_default_executor();
  // Closes every live async generator (defined in loop/aio/async_generator.cc).
  Coro<void> shutdown_asyncgens();

  // ---- Scheduling callbacks ----
  Handle call_soon(Callback callback, std::optional<Context> context = std::nullopt);
  // Thread-safe. From the loop's own thread while it runs, the same as
  // call_soon; from elsewhere, lands between iterations. Before the loop
  // runs it keeps call order with call_soon, as in CPython (call_soon takes
  // pending arrivals first); one thread's calls always run in call order.
  Handle call_soon_threadsafe(Callback callback, std::optional<Context> context = std::nullopt);
  TimerHandle call_later(double delay_s, Callback callback, std::optional<Context> context = std::nullopt);
  template <typename Rep, typename Period>
  TimerHandle call_later(std::chrono::duration<Rep, Period> delay, Callback callback,
                         std::optional<Context> context = std::nullopt) {
    return call_at_ns(time_ns() + std::chrono::duration_cast<std::chrono::nanoseconds>(delay).count(),
                      std::move(callback), std::move(context));
  }
  // `when_s` is absolute loop time, as returned by time().
  TimerHandle call_at(double when_s, Callback callback, std::optional<Context> context = std::nullopt);
  TimerHandle call_at_ns(int64_t when_ns, Callback callback, std::optional<Context> context = std::nullopt);
  // Loop time in seconds (asyncio's time()), and in integer nanoseconds.
  double time() const { return static_cast<double>(time_ns()) / 1e9; }
  int64_t time_ns() const { return backend_.clock->now_ns(); }

  // ---- Futures and tasks ----
  template <typename T = void>
  Future<T> create_future() {
    return Future<T>(internal::Ref<FutureBase>(new internal::FutureState<T>(this)));
  }
  template <typename T>
  Task<T> create_task(Coro<T> coro, std::string name = "", std::optional<Context> context = std::nullopt);
  void set_task_factory(TaskFactory factory) { task_factory_ = std::move(factory); }
  const TaskFactory& get_task_factory() const { return task_factory_; }

  // ---- Executors ----
  // Runs fn() on `executor` (the default executor when null) and returns a
  // future of its result. The future is set through the thread boundary.
  template <typename F>
  auto run_in_executor(Executor* executor, F fn) -> Future<std::invoke_result_t<F&>>;
  void set_default_executor(std::shared_ptr<Executor> executor);

  // ---- Unix signals (loop/event_loop_signals.cc) ----
  // asyncio's add_signal_handler / remove_signal_handler: `callback` runs as
  // a loop callback (never in signal context) each time `sig` arrives; one
  // handler per signal, a second add replaces it. Main thread only
  // (RuntimeError otherwise); ValueError for an invalid signal number,
  // RuntimeError("sig 9 cannot be caught") for SIGKILL/SIGSTOP. close()
  // removes every handler. Simulated backends raise NotImplementedError.
  void add_signal_handler(int sig, Callback callback);
  // True if a handler was removed.
  bool remove_signal_handler(int sig);

  // ---- Watching file descriptors ----
  void add_reader(int fd, Callback callback);
  bool remove_reader(int fd);
  void add_writer(int fd, Callback callback);
  bool remove_writer(int fd);

  // ---- Low-level socket operations (loop/net/sock_methods.cc) ----
  // asyncio's loop.sock_* on a non-blocking socket fd, as coroutines: each
  // tries the call at once and, if it would block, waits for readiness
  // (CPython 3.11 selector_events.py). Errors raise OSError subclasses.
  // sock_recv_into's buffer must outlive the await. In debug mode a
  // blocking fd raises ValueError("the socket must be non-blocking").
  Coro<std::string> sock_recv(int fd, size_t nbytes);
  Coro<size_t> sock_recv_into(int fd, absl::Span<char> buffer);
  Coro<void> sock_sendall(int fd, std::string data);
  Coro<void> sock_connect(int fd, SockAddr address);
  Coro<Accepted> sock_accept(int fd);
  // Datagram sockets (new in 3.11): one datagram and its sender; the same
  // into `buffer` (at most `nbytes`, 0 meaning the whole buffer, which must
  // outlive the await); one datagram to `address`, returning bytes sent.
  Coro<std::pair<std::string, SockAddr>> sock_recvfrom(int fd, size_t bufsize);
  Coro<std::pair<size_t, SockAddr>> sock_recvfrom_into(int fd, absl::Span<char> buffer, size_t nbytes = 0);
  Coro<size_t> sock_sendto(int fd, std::string data, SockAddr address);
  // On the default executor, as asyncio does (loop/net/resolver.cc). An
  // empty host or port is Python's None. Failures raise gaierror.
  Coro<std::vector<AddrInfo>> getaddrinfo(std::string host, std::string port, AddrInfoHints hints = {});
  Coro<std::vector<AddrInfo>> getaddrinfo(std::string host, int port, AddrInfoHints hints = {});
  Coro<NameInfo> getnameinfo(SockAddr address, int flags = 0);
  // The backend's socket calls (real or simulated), for code that makes
  // sockets: loop/net never calls the operating system directly.
  SocketOps& socket_ops() { return *backend_.sockets; }

  // ---- Transports and servers (loop/net/connections.cc) ----
  // asyncio's create_connection / create_server / create_unix_connection /
  // create_unix_server / connect_accepted_socket, with the types of
  // loop/net/protocols.h, loop/net/server.h and loop/net/server_options.h
  // (include those to use them). An empty host is Python's None.
  Coro<TransportAndProtocol> create_connection(ProtocolFactory factory, std::string host, int port,
                                               ConnectionOptions options = {});
  Coro<std::shared_ptr<Server>> create_server(ProtocolFactory factory, std::string host, int port,
                                              ServerOptions options = {});
  Coro<TransportAndProtocol> create_unix_connection(ProtocolFactory factory, std::string path);
  Coro<std::shared_ptr<Server>> create_unix_server(ProtocolFactory factory, std::string path,
                                                   ServerOptions options = {});
  // Wraps an accepted (or otherwise connected) stream socket; takes the fd.
  Coro<TransportAndProtocol> connect_accepted_socket(ProtocolFactory factory, int fd);
  // asyncio's start_tls (loop/net/tls_connections.cc): upgrades an open
  // connection to TLS; `protocol` gets the returned transport's data from
  // then on (no second connection_made). TypeError for a null context or a
  // transport other than a socket or TLS one; the handshake's errors as
  // create_connection's (the transport is closed then).
  Coro<std::shared_ptr<Transport>> start_tls(std::shared_ptr<Transport> transport,
                                             std::shared_ptr<BaseProtocol> protocol,
                                             std::shared_ptr<SSLContext> sslcontext, StartTlsOptions options = {});
  // asyncio's create_datagram_endpoint (loop/net/datagram_endpoint.cc;
  // loop/net/datagram_transport.h): a UDP socket bound to local_addr and/or
  // connected to remote_addr, wrapped in a DatagramTransport.
  Coro<DatagramTransportAndProtocol> create_datagram_endpoint(DatagramProtocolFactory factory,
                                                              DatagramEndpointOptions options = {});
  // asyncio's create_server with a list of hosts (one listening socket
  // per resolved address of every host; loop/net/connections.cc). Pass a
  // std::vector<std::string>: a braced pair of literals would also match
  // std::string's (first, last) constructor.
  Coro<std::shared_ptr<Server>> create_server(ProtocolFactory factory, std::vector<std::string> hosts, int port,
                                              ServerOptions options = {});

  // ---- Sending files (loop/net/sendfile.h) ----
  // asyncio's sock_sendfile / sendfile: the regular file `file` (an fd the
  // caller opened and still owns) from options.offset to the stream socket
  // `fd` / the transport; os.sendfile when possible, else (unless
  // options.fallback is false) reads and sends. Returns the bytes sent; the
  // file position ends after them.
  Coro<size_t> sock_sendfile(int fd, int file, SendfileOptions options = {});
  Coro<size_t> sendfile(std::shared_ptr<Transport> transport, int file, SendfileOptions options = {});

  // ---- Pipes and subprocesses (loop/net/pipes.cc) ----
  // asyncio's connect_read_pipe / connect_write_pipe (the transport takes
  // the fd; loop/net/pipe_transport.h) and subprocess_exec /
  // subprocess_shell (loop/net/subprocess_transport.h: include it to use
  // them). argv[0] is looked up in PATH; the shell is /bin/sh -c.
  Coro<TransportAndProtocol> connect_read_pipe(ProtocolFactory factory, int fd);
  Coro<TransportAndProtocol> connect_write_pipe(ProtocolFactory factory, int fd);
  Coro<SubprocessTransportAndProtocol> subprocess_exec(SubprocessProtocolFactory factory,
                                                       std::vector<std::string> argv, SubprocessOptions options = {});
  Coro<SubprocessTransportAndProtocol> subprocess_shell(SubprocessProtocolFactory factory, std::string cmd,
                                                        SubprocessOptions options = {});
  // The backend's pipe and process calls (real or simulated).
  ProcessOps& process_ops() { return *backend_.processes; }

  // ---- Error handling ----
  void set_exception_handler(ExceptionHandler handler) { exception_handler_ = std::move(handler); }
  const ExceptionHandler& get_exception_handler() const { return exception_handler_; }
  void default_exception_handler(const ExceptionContext& context);
  void call_exception_handler(const ExceptionContext& context);

  // ---- Debug mode ----
  bool get_debug() const { return debug_; }
  void set_debug(bool enabled) { debug_ = enabled; }
  double slow_callback_duration() const { return static_cast<double>(slow_callback_ns_) / 1e9; }
  void set_slow_callback_duration(double seconds) { slow_callback_ns_ = static_cast<int64_t>(seconds * 1e9); }

  // ---- Observation (loop/observer.h); not asyncio API ----
  // Attaches `observer` (not owned; nullptr detaches). Loop thread, not while
  // running: RuntimeError otherwise.
  void set_observer(LoopObserver* observer);
  LoopObserver* observer() const { return observer_; }
  // Reports an event to the observer, if any. Used by the loop's own parts.
  void emit(LoopEventKind kind, uint64_t id = 0, int64_t value = 0, std::string_view text = {}) {
    if (observer_ != nullptr) observer_->on_event(LoopEvent{kind, id, value, text});
  }
  // Lets the observer order `items` (a set asyncio iterates in no defined
  // order), one LoopObserver::pick per position. Without one: unchanged.
  template <typename T>
  void order_unordered(UnorderedSet set, std::vector<T>* items) {
    if (observer_ == nullptr) return;
    for (size_t first = 0; first + 1 < items->size(); ++first) {
      const size_t k = observer_->pick(set, items->size() - first);
      std::rotate(items->begin() + first, items->begin() + first + k, items->begin() + first + k + 1);
    }
  }

  // ---- seedloop internals, used by futures, tasks and the policy ----
  // call_soon with an explicit context binding; no debug checks. A done
  // callback passes its future as `keep_alive`: the handle holds it until
  // the callback has run.
  Handle schedule(Callback callback, internal::ContextBinding context, const char* label = "callback",
                  FutureBase* keep_alive = nullptr);
  TaskBase* current_task() const { return current_task_; }
  void enter_task(TaskBase* task);
  void leave_task(TaskBase* task);
  std::vector<TaskBase*> all_tasks() const;
  // Default task names are "Task-N" with N from this per-loop counter.
  uint64_t next_task_number() { return ++task_counter_; }
  void register_future(FutureBase* f);
  void unregister_future(FutureBase* f);
  void register_task(TaskBase* t);
  void unregister_task(TaskBase* t);
  void timer_handle_cancelled(internal::HandleState* timer);
  // asyncio's asyncgen hooks (loop/aio/async_generator.h).
  uint64_t register_asyncgen(std::weak_ptr<internal::AsyncGenState> gen);
  void unregister_asyncgen(const internal::AsyncGenState* gen);
  ThreadBoundary& thread_boundary() { return *backend_.threads; }
  // Raises RuntimeError("Event loop is closed") when closed.
  void check_closed() const;

 private:
  EventLoop(Backend backend, Options options);

  // A heap entry keeps its deadline beside the handle, so sifting compares
  // entries in the heap array without touching the (cold) handles.
  struct TimerEntry {
    int64_t when_ns;
    internal::HandleState* handle;  // owns one reference
  };
  struct TimerLater {
    bool operator()(const TimerEntry& a, const TimerEntry& b) const { return a.when_ns < b.when_ns; }
  };
  struct FdWatch {
    internal::Ref<internal::HandleState> reader;
    internal::Ref<internal::HandleState> writer;
    uint32_t mask() const { return (reader ? kReadable : 0u) | (writer ? kWritable : 0u); }
  };

  void run_once();
  void purge_cancelled_timers();
  void drain_inbox();
  std::optional<int64_t> select_timeout() const;
  void poll_io(std::optional<int64_t> timeout_ns);
  void collect_due_timers();
  void run_ready_batch();
  void collect_due_timers_observed(int64_t end_ns);
  void run_handle(internal::HandleState* h);

  void check_running() const;
  void check_thread(const char* method) const;
  void push_ready(internal::Ref<internal::HandleState> h);
  void check_ready_capacity() const;
  TimerHandle push_timer(int64_t when_ns, Callback callback, std::optional<Context> context);
  void update_fd_interest(int fd, uint32_t mask, uint32_t old_mask);
  Handle watch_fd(int fd, IoEventMask which, Callback callback);
  bool unwatch_fd(int fd, IoEventMask which);
  // Watches `fd` with `attempt` until `future` is done, then stops watching
  // unless someone else replaced the watch (asyncio's _sock_read_done /
  // _sock_write_done). In loop/net/sock_methods.cc.
  void watch_until_done(int fd, IoEventMask which, Callback attempt, FutureBase& future);
  void check_nonblocking_in_debug(int fd);
  // Runs on the signal wakeup fd's readability (loop/event_loop_signals.cc).
  void process_signals();
  void stop_signal_wakeup();
  // loop/net/connections.cc: base_events._ensure_resolved (numeric hosts
  // without the executor), _create_connection_transport.
  Coro<std::vector<AddrInfo>> ensure_resolved(std::string host, int port, AddrInfoHints hints);
  Coro<int> connect_sock(const AddrInfo& info, std::vector<std::exception_ptr>* errors);
  // `tls.ssl` set: a TLS connection (server_hostname already resolved).
  Coro<TransportAndProtocol> create_connection_transport(int fd, ProtocolFactory factory, ConnectionOptions tls = {});
  Coro<std::shared_ptr<Server>> finish_server(std::vector<int> sockets, ProtocolFactory factory,
                                              const ServerOptions& options);
  // loop/net/sendfile.cc: unix_events._sock_sendfile_native and
  // base_events._sock_sendfile_fallback.
  Coro<size_t> sock_sendfile_native(int fd, int file, int64_t offset, std::optional<int64_t> count);
  Coro<size_t> sock_sendfile_fallback(int fd, int file, int64_t offset, std::optional<int64_t> count);
  // loop/net/connect_addresses.cc: the sockets create_connection may connect.
  Coro<int> connect_sock_from(const AddrInfo& info, const std::vector<AddrInfo>* local_infos,
                              std::vector<std::exception_ptr>* errors);
  Coro<int> connect_first(std::vector<AddrInfo> infos, std::optional<std::vector<AddrInfo>> local_infos,
                          const ConnectionOptions& options);
  static Coro<int> connect_attempt(EventLoop& loop, AddrInfo info,
                                   std::shared_ptr<const std::optional<std::vector<AddrInfo>>> locals,
                                   std::shared_ptr<std::deque<std::vector<std::exception_ptr>>> errors);
  void post_to_loop(Callback callback, internal::ContextBinding context);
  template <typename T>
  void add_stop_callback(const Future<T>& future, uint64_t* id);
  internal::Ref<TaskBase> make_task(CoroFrame coro, std::optional<Context> context);

  Backend backend_;
  Options options_;
  std::atomic<bool> closed_{false};
  std::atomic<std::thread::id> running_thread_{};
  bool stopping_ = false;
  bool debug_ = false;
  int64_t slow_callback_ns_ = 100'000'000;  // asyncio: 0.1 s
  internal::RingQueue<internal::HandleState*> ready_;  // owns one ref each
  internal::PyHeap<TimerEntry, TimerLater> scheduled_;
  size_t timer_cancelled_count_ = 0;
  absl::btree_map<int, FdWatch> fd_watches_;
  absl::btree_map<int, internal::Ref<internal::HandleState>> signal_handlers_;
  int signal_wakeup_fd_ = -1;  // SignalOps::start()'s fd while watched
  std::vector<IoEvent> events_;
  std::vector<absl::AnyInvocable<void() &&>> inbox_;
  ExceptionHandler exception_handler_;
  TaskFactory task_factory_;
  TaskBase* current_task_ = nullptr;
  uint64_t task_counter_ = 0;
  uint64_t handle_counter_ = 0;
  uint64_t future_counter_ = 0;
  LoopObserver* observer_ = nullptr;
  std::vector<internal::HandleState*> due_ties_;  // scratch for collect_due_timers_observed
  std::shared_ptr<Executor> default_executor_;
  bool executor_shutdown_called_ = false;
  FutureBase* futures_head_ = nullptr;
  TaskBase* tasks_head_ = nullptr;
  TaskBase* tasks_tail_ = nullptr;
  // Live async generators, in first-iteration order (asyncio: a WeakSet).
  std::vector<std::weak_ptr<internal::AsyncGenState>> asyncgens_;
  bool asyncgens_shutdown_called_ = false;
  uint64_t asyncgen_counter_ = 0;
};

// ---- The module-level functions (asyncio.events) live in loop/policy.h ----

}  // namespace seedloop

// The template definitions.
#include "loop/internal/event_loop_inl.h"  // IWYU pragma: export

#endif  // SEEDLOOP_LOOP_EVENT_LOOP_H_
