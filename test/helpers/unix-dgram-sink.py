#!/usr/bin/env python3
"""Binds an AF_UNIX datagram socket at argv[1] and prints every datagram it receives as one JSON
string per line on stdout (Node has no AF_UNIX datagram sockets; tests of syslog and systemd
readiness use this as the receiving end). Prints "ready" once bound; exits when stdin closes."""
import json, os, socket, sys, threading

path = sys.argv[1]
try:
    os.unlink(path)
except FileNotFoundError:
    pass
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
print("ready", flush=True)

def watch_stdin():
    sys.stdin.read()
    os._exit(0)

threading.Thread(target=watch_stdin, daemon=True).start()
while True:
    data = s.recv(65536)
    print(json.dumps(data.decode("utf-8", "replace")), flush=True)
