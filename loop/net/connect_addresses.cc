// How create_connection connects to one of the addresses it resolved
// (CPython 3.11 base_events.py): _connect_sock with its local_addr
// binding, the order (_interleave_addrinfos), one address after the other
// or Happy Eyeballs (staggered.staggered_race), and the combined error
// when every address failed ("Multiple exceptions: ...").

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "loop/errors.h"
#include "loop/event_loop.h"
#include "loop/net/internal/protocol_calls.h"
#include "loop/net/staggered.h"
#include "loop/net/status_error.h"

namespace seedloop {

namespace {

// Python's repr() of a socket.AddressFamily member.
std::string family_repr(int family) {
  switch (family) {
    case AF_INET:
      return "<AddressFamily.AF_INET: 2>";
    case AF_INET6:
      return "<AddressFamily.AF_INET6: 10>";
    case AF_UNIX:
      return "<AddressFamily.AF_UNIX: 1>";
    default:
      return std::to_string(family);
  }
}

// base_events._interleave_addrinfos: by family, in order of first
// appearance, `first_family_count` - 1 of the first family up front.
std::vector<AddrInfo> interleave_addrinfos(const std::vector<AddrInfo>& infos, int first_family_count) {
  std::vector<std::deque<AddrInfo>> by_family;
  std::vector<int> families;
  for (const AddrInfo& info : infos) {
    auto it = std::find(families.begin(), families.end(), info.family);
    if (it == families.end()) {
      families.push_back(info.family);
      by_family.emplace_back();
      it = families.end() - 1;
    }
    by_family[static_cast<size_t>(it - families.begin())].push_back(info);
  }
  std::vector<AddrInfo> reordered;
  for (int i = 1; i < first_family_count && !by_family[0].empty(); ++i) {
    reordered.push_back(by_family[0].front());
    by_family[0].pop_front();
  }
  for (bool any = true; any;) {  // itertools.zip_longest, None dropped
    any = false;
    for (std::deque<AddrInfo>& list : by_family) {
      if (list.empty()) continue;
      reordered.push_back(list.front());
      list.pop_front();
      any = true;
    }
  }
  return reordered;
}

// One attempt's errors (CPython's my_exceptions); the attempts' lists, in
// start order, are shared with attempts that may outlive the caller.
using AttemptErrors = std::deque<std::vector<std::exception_ptr>>;

// "If they all have the same str(), raise one", else the combined OSError.
[[noreturn]] void raise_combined(const AttemptErrors& attempts) {
  std::vector<std::exception_ptr> errors;
  for (const std::vector<std::exception_ptr>& mine : attempts) errors.insert(errors.end(), mine.begin(), mine.end());
  if (errors.empty()) throw OSError(0, "getaddrinfo() returned empty list");
  if (errors.size() == 1) std::rethrow_exception(errors[0]);
  std::vector<std::string> texts;
  for (const std::exception_ptr& e : errors) {
    try {
      std::rethrow_exception(e);
    } catch (const BaseException& exc) {
      texts.push_back(exc.message());
    } catch (...) {
      texts.push_back(describe_exception(e));
    }
  }
  if (std::all_of(texts.begin(), texts.end(), [&](const std::string& t) { return t == texts[0]; })) {
    std::rethrow_exception(errors[0]);
  }
  std::string combined = "Multiple exceptions: ";
  for (size_t i = 0; i < texts.size(); ++i) combined += (i ? ", " : "") + texts[i];
  throw OSError(0, combined);
}

}  // namespace

// One Happy Eyeballs attempt; its arguments are values, as the attempt may
// outlive the lambda that started it.
Coro<int> EventLoop::connect_attempt(EventLoop& loop, AddrInfo info,
                                     std::shared_ptr<const std::optional<std::vector<AddrInfo>>> locals,
                                     std::shared_ptr<std::deque<std::vector<std::exception_ptr>>> errors) {
  errors->emplace_back();
  std::vector<std::exception_ptr>* mine = &errors->back();
  Coro<int> connecting = loop.connect_sock_from(info, *locals ? &**locals : nullptr, mine);
  int connected = co_await std::move(connecting);
  co_return connected;
}

// base_events._connect_sock: create, bind (to the first local address of
// the same family that binds) and connect one socket. Each OSError goes to
// `my_errors`; the socket is closed on any failure, cancellation included.
Coro<int> EventLoop::connect_sock_from(const AddrInfo& info, const std::vector<AddrInfo>* local_infos,
                                       std::vector<std::exception_ptr>* my_errors) {
  SocketOps& ops = socket_ops();
  int fd = -1;
  std::exception_ptr failure;
  try {
    absl::StatusOr<int> made = ops.socket(info.family, info.type | SOCK_NONBLOCK, info.proto);
    if (!made.ok()) internal::raise_status(made.status());
    fd = *made;
    if (local_infos != nullptr) {
      bool bound = false;
      for (const AddrInfo& local : *local_infos) {
        if (local.family != info.family) continue;  // "skip local addresses of different family"
        absl::Status status = ops.bind(fd, local.address);
        if (status.ok()) {
          bound = true;
          break;
        }
        std::string reason = std::strerror(errno_of(status));
        std::transform(reason.begin(), reason.end(), reason.begin(), [](unsigned char c) { return std::tolower(c); });
        my_errors->push_back(make_os_error(
            errno_of(status), "error while attempting to bind on address " + local.address.to_string() + ": " + reason));
      }
      if (!bound) {
        if (my_errors->empty()) {
          throw OSError(0, "no matching local address with family=" + family_repr(info.family) + " found");
        }
        std::exception_ptr last = my_errors->back();
        my_errors->pop_back();  // `raise my_exceptions.pop()`, appended again below
        std::rethrow_exception(last);
      }
    }
    Coro<void> connecting = sock_connect(fd, info.address);
    co_await std::move(connecting);
  } catch (...) {
    failure = std::current_exception();
  }
  if (!failure) co_return fd;
  if (internal::is_os_error(failure)) my_errors->push_back(failure);
  if (fd >= 0) (void)ops.close(fd);
  std::rethrow_exception(failure);
}

// The connecting part of create_connection, from `if interleave:` to the
// combined error.
Coro<int> EventLoop::connect_first(std::vector<AddrInfo> infos, std::optional<std::vector<AddrInfo>> local_infos,
                                   const ConnectionOptions& options) {
  if (options.interleave.value_or(0) != 0) infos = interleave_addrinfos(infos, *options.interleave);
  auto errors = std::make_shared<AttemptErrors>();
  auto locals = std::make_shared<const std::optional<std::vector<AddrInfo>>>(std::move(local_infos));
  int fd = -1;
  if (!options.happy_eyeballs_delay) {
    for (const AddrInfo& info : infos) {
      errors->emplace_back();
      bool failed = false;
      try {
        Coro<int> connecting = connect_sock_from(info, *locals ? &**locals : nullptr, &errors->back());
        fd = co_await std::move(connecting);
      } catch (const OSError&) {
        failed = true;
      }
      if (!failed) break;
    }
  } else {
    std::vector<std::function<Coro<int>()>> attempts;
    for (const AddrInfo& info : infos) {
      attempts.push_back([this, info, locals, errors] { return connect_attempt(*this, info, locals, errors); });
    }
    SocketOps& ops = socket_ops();
    Coro<StaggeredRaceResult<int>> racing = staggered_race<int>(*this, std::move(attempts), options.happy_eyeballs_delay,
                                                                [&ops](int late) { (void)ops.close(late); });
    StaggeredRaceResult<int> raced = co_await std::move(racing);
    if (raced.winner_result) fd = *raced.winner_result;
  }
  if (fd < 0) raise_combined(*errors);
  co_return fd;
}

}  // namespace seedloop
