"""The ceiling for any Python page: a raw WSGI hello world, served by bench/web.py's gunicorn."""

BODY = b"Hello, world!\n"
HEADERS = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(BODY)))]


def app(environ: dict[str, object], start_response: object) -> list[bytes]:
    start_response("200 OK", HEADERS)  # type: ignore[operator]
    return [BODY]
