"""A worker that speaks the sd_notify protocol the usual way, with the socket module only.

Usage: notify.py READY_AFTER_MS WATCHDOGS
Says READY=1 (with a STATUS) after READY_AFTER_MS, then WATCHDOG=1 WATCHDOGS times at a third of
WATCHDOG_USEC, then a new STATUS and no more watchdogs, and stays alive.
"""
import os
import socket
import sys
import time


def notify(message):
    address = os.environ["NOTIFY_SOCKET"]
    if address.startswith("@"):
        address = "\0" + address[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        s.sendto(message.encode(), address)


ready_after, watchdogs = int(sys.argv[1]) / 1000.0, int(sys.argv[2])
time.sleep(ready_after)
notify("READY=1\nSTATUS=warming up")
period = int(os.environ.get("WATCHDOG_USEC", "1000000")) / 3_000_000.0
for _ in range(watchdogs):
    time.sleep(period)
    notify("WATCHDOG=1")
notify("STATUS=stuck")
while True:
    time.sleep(60)
