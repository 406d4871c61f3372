"""The endpoints of CJ's API the sandbox serves, one function each, keyed by method and path.

Called by :class:`~reconciler.sandbox.api.CjApi` under the state lock, after rate limits,
authentication and the points check; each gets a :class:`~.call.Call` and returns a Reply.
Answers follow ../shared/cj-api.md; where CJ's behaviour is unknown the choice is noted.
One module per part of CJ's API (account, products, webhooks, sourcing, freight, shops); the
state they work on lives in the desks (:mod:`reconciler.sandbox.accounts`, ``.sourcing``,
``.freight``, ``.webhooks``), which import nothing from here.
"""

from __future__ import annotations

from collections.abc import Callable

from reconciler.sandbox.endpoints.account import ACCOUNT_ENDPOINTS
from reconciler.sandbox.endpoints.call import Call
from reconciler.sandbox.endpoints.freight import FREIGHT_ENDPOINTS
from reconciler.sandbox.endpoints.products import PRODUCT_ENDPOINTS
from reconciler.sandbox.endpoints.shops import SHOP_ENDPOINTS
from reconciler.sandbox.endpoints.sourcing import SOURCING_ENDPOINTS
from reconciler.sandbox.endpoints.webhooks import WEBHOOK_ENDPOINTS
from reconciler.sandbox.envelope import Reply

ROUTES: dict[tuple[str, str], Callable[[Call], Reply]] = {
    **ACCOUNT_ENDPOINTS,
    **PRODUCT_ENDPOINTS,
    **WEBHOOK_ENDPOINTS,
    **SOURCING_ENDPOINTS,
    **FREIGHT_ENDPOINTS,
    **SHOP_ENDPOINTS,
}
