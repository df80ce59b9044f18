"""Where a matched reply goes. Notifications sits below cases, so cases plugs in here instead of being imported.

The hook is the callable named by the ``INBOUND_MAIL_HANDLER`` setting (a dotted path, for example
``"townhall.cases.inbound.handle_reply"``), or one registered with ``register_inbound_handler`` (tests,
other apps). It is called after the InboundMessage is committed, inside a transaction of its own::

    def handle_reply(*, message: InboundMessage) -> bool: ...

``message.case_reference`` and ``message.organisation`` are set; ``message.attachments.all()`` are the
clean attachments. Return True when the reply was filed on the case, False when there is no such case in
that organisation (the message then goes to triage). An exception also sends it to triage, with the error kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.module_loading import import_string

from townhall.notifications import config

InboundHandler = Callable[..., bool]
_registered: list[InboundHandler] = []


def register_inbound_handler(handler: InboundHandler) -> InboundHandler:
    _registered.append(handler)
    return handler


def unregister_inbound_handler(handler: InboundHandler) -> None:
    if handler in _registered:
        _registered.remove(handler)


def inbound_handler() -> InboundHandler | None:
    if _registered:
        return _registered[-1]
    path = config.inbound_handler()
    if not path:
        return None
    handler: Any = import_string(path)
    return handler  # type: ignore[no-any-return]
