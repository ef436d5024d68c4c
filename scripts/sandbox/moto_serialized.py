"""moto_server with its requests served one at a time.

moto's DynamoDB checks a ConditionExpression and then applies the update
without a lock, and moto_server serves each request on its own thread, so two
conditional writes to one item can both pass their check under CPU load (a
probe of 50 concurrent conditional claims on a cap of 10 took 11-13 in 12 of
60 rounds on a loaded 2-core machine). DynamoDB applies a conditional write
atomically per item; the guards' tests (group caps, attempts) depend on it.
Serializing whole requests gives that back. It costs nothing measurable: moto
serves one request at a time anyway under Python's GIL. Separate requests
still interleave freely, so a read-then-write race in our code still shows.

Usage: python3 moto_serialized.py <host> <port>   (same app as moto_server)
"""
import signal
import sys
import threading

from werkzeug.serving import run_simple

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    app = DomainDispatcherApplication(create_backend_app)
    lock = threading.Lock()

    def serialized(environ, start_response):
        with lock:
            # The whole response is built inside the lock (moto's are never streamed).
            return list(app(environ, start_response))

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    run_simple(host, port, serialized, threaded=True, use_reloader=False)


if __name__ == "__main__":
    main()
