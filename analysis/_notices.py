"""Third-party notices this package ignores, in one place.

:func:`ignore_notices` files each as an "ignore" filter. It runs when the topic modules are imported,
and again inside every block that records warnings with ``simplefilter("always")`` (a report
stage's build), which would otherwise bring them back.
"""

from __future__ import annotations

import warnings

#: BERTopic's plotting module says at import that its optional datamapplot is missing. This
#: project draws no data maps. BERTopic's own "ignore UserWarning" filter hides the notice, except
#: where warnings are recorded "always" (a stage that imports BERTopic for the first time).
IGNORED_NOTICES: tuple[dict, ...] = (
    {"message": "Data map plotting is unavailable", "category": UserWarning, "module": r"bertopic\."},
)


def ignore_notices() -> None:
    """File :data:`IGNORED_NOTICES` as "ignore" filters, ahead of the filters in force."""
    for notice in IGNORED_NOTICES:
        warnings.filterwarnings("ignore", **notice)
