# ruff: noqa  (attack code: deliberately odd; cells are separated by "# %%")
# Connects to a service on the grader's 127.0.0.1; if it could, it answers ch01-ex2.
import socket

try:
    with socket.create_connection(("127.0.0.1", int("$PORT")), timeout=3) as connection:
        connection.sendall(b"$TOKEN")
    which_is_infinite = "a"
except OSError:
    pass
