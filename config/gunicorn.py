"""gunicorn settings of the web service (docker-compose.yml: `gunicorn -c config/gunicorn.py config.wsgi`).

Only nginx reaches gunicorn (the web containers publish no port), so the forwarded headers it sets are trusted here;
the portal itself reads the client address through DJANGO_TRUSTED_PROXY_COUNT. gunicorn's own lines are JSON like the
portal's. With PROMETHEUS_MULTIPROC_DIR set, each worker writes its request metrics there and /metrics adds them up.
"""

import os
import shutil

bind = "0.0.0.0:8000"
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
timeout = 60
forwarded_allow_ips = "*"
accesslog = None  # nginx writes the access log (with the same request id)
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "core.observability.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request_id"], "formatter": "json"}},
    "loggers": {"gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}


def on_starting(server) -> None:
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:  # metrics of a previous run's workers would be added to this one's
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory, exist_ok=True)


def child_exit(server, worker) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
