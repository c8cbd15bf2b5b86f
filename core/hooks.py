"""Hooks: how a lower app asks a question that only a higher app can answer, without importing it.

The lower app declares a hook with the answer that holds while nobody has registered one (the higher app may not be
installed); the higher app registers its answer in its `AppConfig.ready()`. A `Hook` has one answer (a question);
a `HookList` collects the answers of every app that registered one (contributions, e.g. extra page context).
Signals stay the tool for "this happened"; hooks are for "what do you say about this?".
"""

from collections.abc import Callable
from typing import Any


class Hook:
    """One answer, registered by at most one higher app."""

    def __init__(self, name: str, *, default: Callable[..., Any]) -> None:
        self.name = name
        self._default = default
        self._answer: Callable[..., Any] | None = None

    def register(self, answer: Callable[..., Any]) -> Callable[..., Any]:
        if self._answer is not None and self._answer is not answer:
            raise RuntimeError(f"hook {self.name} already has an answer: {self._answer!r}")
        self._answer = answer
        return answer

    def __call__(self, **kwargs: Any) -> Any:
        return (self._answer or self._default)(**kwargs)


class HookList:
    """Answers of every app that registered one, in registration order."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._answers: list[Callable[..., Any]] = []

    def register(self, answer: Callable[..., Any]) -> Callable[..., Any]:
        if answer not in self._answers:
            self._answers.append(answer)
        return answer

    def __call__(self, **kwargs: Any) -> list[Any]:
        return [answer(**kwargs) for answer in self._answers]
