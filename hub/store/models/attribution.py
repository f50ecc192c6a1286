"""Who sold an order: the salesperson on a CRM order (or opportunity) when the hub first saw it.

Commission is attributed to the salesperson at order time, not to whoever owns the order or the
account today. The first run that reads an order records its owner here (the order's own owner,
else its account's owner at that moment) and the row is never updated: handing the order or the
account to someone else later moves no commission already earned.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.store.base import Base
from hub.store.types import UTCDateTime


class OrderAttribution(Base):
    """(CRM system, order or opportunity id) -> its owner when first seen."""

    __tablename__ = "order_attribution"

    system: Mapped[str] = mapped_column(String(), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(), primary_key=True)
    #: the CRM stream the record came from (Order, Opportunity)
    stream: Mapped[str] = mapped_column(String(), nullable=False)
    #: the CRM user credited; None when neither the order nor its account named one
    owner_ref: Mapped[str | None] = mapped_column(String())
    #: "order" when the order named its owner, "account" when its account's owner stood in
    basis: Mapped[str] = mapped_column(String(), nullable=False)
    account_ref: Mapped[str | None] = mapped_column(String())
    run_id: Mapped[int] = mapped_column(Integer(), nullable=False)
    first_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
