"""gunicorn reads this file from the working directory: the web container and `make bench` both start it there."""


def post_fork(server, worker):
    from core import gctuning

    gctuning.tune()
