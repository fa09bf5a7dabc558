#!/usr/bin/env bash
# loop/net/ is written against the seams in loop/backend.h only (issue 8: a
# later issue runs it on a simulated network), so no file there may include
# a system-call header or call a POSIX function through the global
# namespace. This test greps for both; a hit names the file and line.
set -uo pipefail
cd "${TEST_SRCDIR:-.}/${TEST_WORKSPACE:-seedloop}" 2>/dev/null || true

mapfile -t files < <(find -L loop/net -name "*.h" -o -name "*.cc" | sort)
[[ -e "${files[0]}" ]] || { echo "no loop/net sources found from $(pwd)"; exit 1; }

# (<signal.h> / <csignal> are allowed: the seams use Linux's signal numbers,
# SIGTERM and friends; a call to kill() or sigaction() is still caught below.)
headers='unistd|fcntl|poll|spawn|sys/(epoll|select|stat|wait|ioctl|mman|sendfile|uio|eventfd|signalfd|pidfd)'
calls='(socket|bind|listen|accept4?|connect|send|sendto|sendmsg|recv|recvfrom|recvmsg|read|write|readv|writev|pread|pwrite|close|shutdown|pipe2?|fork|execve?|execvp|posix_spawnp?|waitpid|waitid|kill|sigaction|signal|open|openat|unlink|stat|fstat|lstat|sendfile|epoll_wait|poll|select|getaddrinfo|getnameinfo|fcntl|ioctl|dup2?)'

status=0
if grep -nE "^#include <($headers)(\.h)?>" "${files[@]}"; then
  echo "FAIL: loop/net includes a system-call header (use the seams in loop/backend.h)"
  status=1
fi
# Comment lines (a usage example may open the caller's file) do not count.
if grep -nE "(^|[^A-Za-z0-9_>.])::${calls}\(" "${files[@]}" | grep -vE '^[^:]+:[0-9]+:[[:space:]]*//'; then
  echo "FAIL: loop/net calls the operating system directly (use the seams in loop/backend.h)"
  status=1
fi
[[ $status -eq 0 ]] && echo "PASS: ${#files[@]} files in loop/net use only the seams"
exit $status
