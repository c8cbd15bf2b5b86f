"""Fault injection: a Redis of our own (stopped and started again), an SMTP sink (down, hung, or holding its reply)
and Celery workers: a subprocess that is killed by PID with SIGKILL, and an in-process worker thread for recovery.

The shared Redis and PostgreSQL are never stopped. Leases, back-offs and countdowns are shortened through settings
so that each scenario takes seconds.
"""

import email
import os
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate: Callable[[], object], *, timeout: float, interval: float = 0.05, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class OwnRedis:
    """redis-server on a spare port, without persistence: stop() and start() simulate an outage."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self._answers, timeout=10, what="own redis-server")

    def stop(self) -> None:
        if self.process is not None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
            self.process = None

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False


class _SMTPHandler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        sink: SmtpSink = self.server.sink  # type: ignore[attr-defined]
        if sink.hang.is_set():
            sink.hang_released.wait(30)
            return
        self._reply("220 sink ESMTP")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            verb = line.strip().split(b" ", 1)[0].upper()
            if verb == b"EHLO":
                self._reply("250-sink\r\n250 8BITMIME")
            elif verb in (b"HELO", b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                self._reply("250 OK")
            elif verb == b"DATA":
                self._reply("354 go ahead")
                lines = []
                while True:
                    data = self.rfile.readline()
                    if not data or data == b".\r\n":
                        break
                    lines.append(data[1:] if data.startswith(b"..") else data)
                sink.received(b"".join(lines))
                if sink.hold_reply.is_set():
                    sink.reply_released.wait(30)
                    return  # the client died meanwhile: drop the connection like a server that lost it
                self._reply("250 queued")
            elif verb == b"QUIT":
                self._reply("221 bye")
                return
            else:
                self._reply("502 not implemented")

    def _reply(self, text: str) -> None:
        self.wfile.write(text.encode() + b"\r\n")
        self.wfile.flush()


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


class SmtpSink:
    """A minimal SMTP server in a thread: records every message it accepts (by Message-ID)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[email.message.Message] = []
        self.hang = threading.Event()  # accept connections and never answer (a hung server)
        self.hang_released = threading.Event()
        self.hold_reply = threading.Event()  # keep the mail, hold the "250" (the client dies before it)
        self.reply_released = threading.Event()
        self._server: _Server | None = None
        self._lock = threading.Lock()

    def received(self, raw: bytes) -> None:
        with self._lock:
            self.messages.append(email.message_from_bytes(raw))

    def start(self) -> None:
        self._server = _Server(("127.0.0.1", self.port), _SMTPHandler)
        self._server.sink = self  # type: ignore[attr-defined]
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def message_ids(self) -> list[str]:
        with self._lock:
            return [m["Message-ID"] for m in self.messages]

    def duplicates(self) -> int:
        ids = self.message_ids()
        return len(ids) - len(set(ids))


class WorkerProcess:
    """`celery worker` in a subprocess on our Redis and SMTP sink, with the test's settings overrides."""

    def __init__(self, *, redis: OwnRedis, smtp: SmtpSink, log: Path, overrides: dict, quiet: bool = False) -> None:
        import json

        env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "tests.faults.worker_settings",
                "FAULTS_DB_NAME": connection.settings_dict["NAME"],
                "FAULTS_BROKER_URL": redis.url,
                "FAULTS_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
                "FAULTS_SMTP_PORT": str(smtp.port),
                "FAULTS_SETTINGS": json.dumps(overrides),
            }
        )
        self.log = log
        command = [sys.executable, "-m", "celery", "-A", "config", *(["--quiet"] if quiet else []), "worker"]
        command += ["--pool=solo", "--loglevel=INFO"]
        command += ["--without-mingle", "--without-gossip", "--without-heartbeat", "-Q", env["FAULTS_QUEUE"]]
        self._log_file = log.open("wb")
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self._log_file, stderr=subprocess.STDOUT)

    def kill(self) -> None:
        """SIGKILL by PID: no shutdown, no acknowledgement, no message handed back."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self._log_file.close()

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def own_redis():
    redis = OwnRedis()
    redis.start()
    yield redis
    redis.stop()


@pytest.fixture
def smtp_sink(settings):
    sink = SmtpSink()
    sink.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield sink
    sink.hang_released.set()
    sink.reply_released.set()
    sink.stop()


@pytest.fixture
def own_broker(own_redis):
    """Point this process's Celery producer at our Redis (and back afterwards)."""
    from config.celery import app

    previous = app.conf.broker_url

    def switch(url: str) -> None:
        app.conf.broker_url = url
        app._pool = None
        app.amqp._producer_pool = None

    switch(own_redis.url)
    yield own_redis
    switch(previous)


@pytest.fixture
def fast_outbox(settings):
    """Second-long leases and back-off so that a scenario of hours runs in seconds."""
    settings.OUTBOX_RETRY_BASE_SECONDS = 1
    settings.OUTBOX_RETRY_MAX_SECONDS = 2
    settings.OUTBOX_QUEUE_LEASE_SECONDS = 2
    settings.OUTBOX_SEND_LEASE_SECONDS = 3
    settings.EMAIL_TIMEOUT = 2
    return settings


@pytest.fixture
def thread_worker(own_broker, transactional_db):
    """Start an in-process worker thread on our Redis: start() returns once it consumes."""
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    contexts = []

    def start():
        context = start_worker(
            app,
            pool="solo",
            perform_ping_check=False,
            shutdown_timeout=10,
            queues=[settings.CELERY_TASK_DEFAULT_QUEUE],
        )
        contexts.append(context)
        return context.__enter__()

    yield start
    for context in reversed(contexts):
        context.__exit__(None, None, None)


@pytest.fixture
def worker_process(own_redis, smtp_sink, tmp_path, transactional_db):
    """Start `celery worker` subprocesses; each one that is still alive at the end is killed."""
    started: list[WorkerProcess] = []

    def start(**overrides) -> WorkerProcess:
        worker = WorkerProcess(
            redis=own_redis, smtp=smtp_sink, log=tmp_path / f"worker-{len(started)}.log", overrides=overrides
        )
        started.append(worker)
        return worker

    start.redis_url = own_redis.url
    yield start
    for worker in started:
        if worker.process.poll() is None:
            worker.kill()
