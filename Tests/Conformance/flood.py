#!/usr/bin/env python3
"""Connections a hostile device on the shop network would open against a listener: idle ones,
or ones that send half a request head and nothing more, from a loopback address of their own
(127.0.0.2, 127.0.0.3), so the listener's per-address limits apply to them alone.

    flood.py PORT SOURCE COUNT SECONDS [HEAD]

Opens COUNT connections from SOURCE to 127.0.0.1:PORT (in batches, each waited for), sends HEAD
on each if given, prints "OPEN n" (those connected), then waits up to SECONDS for the listener
to close every one; then sends one byte on those still open, so a connection the kernel lost
while the listener's accept queue overflowed is reset, and prints "LOST j" (reset so) and
"LEFT k" (still open: the listener holds them). Runs in a process of its own, so its
thousands of descriptors are not the test runner's. Stops by itself.
"""
import errno
import resource
import select
import socket
import sys
import time


def wait_for_closes(by_fd, poller, seconds):
    """Forgets (and closes) each connection the other side closes within `seconds`; returns how
    many of them were reset rather than closed."""
    reset = 0
    deadline = time.monotonic() + seconds
    while by_fd and time.monotonic() < deadline:
        for fd, _ in poller.poll(200):
            s = by_fd.get(fd)
            if s is None:
                continue
            try:
                if s.recv(4096):
                    continue
            except BlockingIOError:
                continue
            except OSError:
                reset += 1
            poller.unregister(fd)
            del by_fd[fd]
            s.close()
    return reset


def main():
    port, source, count, seconds = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    head = sys.argv[5].encode().decode("unicode_escape").encode() if len(sys.argv) > 5 else None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, count + 256)), hard))
    sockets = []
    for start in range(0, count, 100):
        batch = []
        for _ in range(start, min(start + 100, count)):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            s.bind((source, 0))
            err = s.connect_ex(("127.0.0.1", port))
            if err not in (0, errno.EINPROGRESS):
                s.close()
                continue
            batch.append(s)
        poller = select.poll()
        for s in batch:
            poller.register(s, select.POLLOUT)
        waiting = {s.fileno() for s in batch}
        deadline = time.monotonic() + 10
        while waiting and time.monotonic() < deadline:
            for fd, _ in poller.poll(200):
                waiting.discard(fd)
        for s in batch:
            if s.fileno() in waiting or s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) != 0:
                s.close()
                continue
            if head:
                try:
                    s.send(head)
                except OSError:
                    pass
            sockets.append(s)
    print(f"OPEN {len(sockets)}", flush=True)
    by_fd = {s.fileno(): s for s in sockets}
    poller = select.poll()
    for fd in by_fd:
        poller.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
    wait_for_closes(by_fd, poller, seconds)
    # What is still open may be open only here: when the listener's accept queue overflowed, the
    # kernel dropped the handshake's last step, and a connection the server never had stays
    # "established" on this side until it sends something. One byte tells them apart: the
    # listener's own connections take it (and stay); the others are reset.
    lost = 0
    if by_fd:
        for s in by_fd.values():
            try:
                s.send(b"\r\n")
            except OSError:
                pass
        lost = wait_for_closes(by_fd, poller, 3)
    print(f"LOST {lost}", flush=True)
    print(f"LEFT {len(by_fd)}", flush=True)
    for s in by_fd.values():
        s.close()

if __name__ == "__main__":
    main()
