// remove_stale_unix_socket: what asyncio does before binding an AF_UNIX
// socket to a path (unix_events.create_unix_server, and
// base_events.create_datagram_endpoint for local_addr): a socket file left
// at the path by an earlier server is removed, so that bind succeeds;
// anything else there (a regular file, a directory) is left alone, and
// bind then fails with EADDRINUSE. Abstract names ("\0name") are skipped.
//
//   internal::remove_stale_unix_socket(loop, "/run/app.sock");
//   // then bind
//
// A failure other than "no such file" is reported to the loop's exception
// handler ("Unable to check or remove stale UNIX socket '/run/app.sock'",
// CPython's logger.error) and does not raise. Goes through SocketOps
// (stat, unlink). Threads: the loop's thread only.

#ifndef SEEDLOOP_LOOP_NET_STALE_UNIX_SOCKET_H_
#define SEEDLOOP_LOOP_NET_STALE_UNIX_SOCKET_H_

#include <string>

#include "loop/event_loop.h"

namespace seedloop::internal {

void remove_stale_unix_socket(EventLoop& loop, const std::string& path);

}  // namespace seedloop::internal

#endif  // SEEDLOOP_LOOP_NET_STALE_UNIX_SOCKET_H_
